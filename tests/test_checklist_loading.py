"""Loading checklists: what YAML itself would read otherwise than written, and what a checklist may hold
without it being read. Each is refused at load, as one line naming the file and item and the fix."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
import yaml

from opsverify.checklist import _yaml_loader, load_checklists, load_item_params
from opsverify.errors import ConfigError

from .helpers import ROOT

WEB = ("  - {id: W1, name: origin, section: S, title: t, family: env, cadence: postdeploy,"
       " params: {service: web, required: [APP_ORIGIN]}}\n")


def _checklist(system: str = "shop", items: str = WEB) -> str:
    return f"system: {system}\nrunbook: r\nitems:\n" + items


def _folder(tmp_path: Path, files: dict[str, str]) -> Path:
    checklists = tmp_path / "checklists"
    for name, text in {"shop.yaml": _checklist(), **files}.items():
        path = checklists / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return checklists


def _refused(checklists: Path) -> str:
    with pytest.raises(ConfigError) as raised:
        load_checklists(checklists)
    return raised.value.message


def _item(text: str) -> str:
    return textwrap.indent(textwrap.dedent(text).strip("\n"), "  ") + "\n"


def test_the_seed_checklists_still_load():
    assert {c.system for c in load_checklists(ROOT / "checklists")} >= {"sora-studio", "cheersai", "bakery-ops"}


# -- 1. an alias bomb is bounded by its size, not only by its count of values ---------------------
def _string_bomb(levels: int, length: int = 2000) -> str:
    """One long string, nine aliases of it, nine aliases of those …: 9**levels copies in a few lines."""
    anchors = [f'        s: &s "{"x" * length}"', "        x0: &a0 [" + ", ".join(["*s"] * 9) + "]"]
    anchors += [f"        x{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels)]
    return _checklist("bomb", "  - id: B1\n    name: web\n    section: Web\n    title: t\n    family: http\n"
                              "    cadence: postdeploy\n    params:\n      service: web\n      path: /\n      json:\n"
                      + "\n".join(anchors) + "\n")


def test_an_alias_bomb_of_long_strings_is_refused_by_its_size(tmp_path):
    """5 levels: 59,049 values (far under the million) but 118 million characters from 2.5 kB."""
    text = _string_bomb(5)
    assert len(text) < 3000
    message = _refused(_folder(tmp_path, {"bomb.yaml": text}))
    assert message.endswith("bomb.yaml: its YAML aliases expand it to more than 16 MiB of text, more than a file may"
                            " hold (an alias bomb?): write the values out, or reuse fewer anchors"), message


def test_a_few_aliases_of_long_strings_load(tmp_path):
    (check,) = [c for c in load_checklists(_folder(tmp_path, {"bomb.yaml": _string_bomb(3)})) if c.system == "bomb"]
    assert check.params.json_fields["x2"] == [[["x" * 2000] * 9] * 9] * 9


def test_a_document_written_out_is_not_sized_again_and_one_with_an_alias_is(monkeypatch):
    """Sizing the data (values, characters, depth) is needed only where an alias can make it larger than the file: a
    document with no node reached twice, no more nodes than values allowed and no deeper than allowed is bounded
    by what it is written as. One alias (a merge too), or a bound reached, and the data is sized as before."""
    from opsverify import checklist as module

    sized = []
    real = module._expansion_problem
    monkeypatch.setattr(module, "_expansion_problem", lambda data: sized.append(1) or real(data))
    written_out = "a: [1, 2, {b: c}]\nd: {e: [f]}\n"
    with_alias = "a: &x [1, 2]\nb: *x\n"
    merged = "base: &base {k: 1}\nitem: {<<: *base, j: 2}\n"
    deep = "a: " + "[" * 101 + "]" * 101 + "\n"
    for text, sized_again in ((written_out, False), (with_alias, True), (merged, True), (deep, True)):
        sized.clear()
        loader = module._FileLoader(text)
        try:
            data = loader.get_single_data()
        finally:
            loader.dispose()
        module._written_out_and_bounded(loader.shape) or module._expansion_problem(data)
        assert bool(sized) is sized_again, text


_DOCUMENTS = [
    "a: [1, 2, {b: c}]\nd: {e: [f]}\n",
    "items:\n  - {id: A1, on: yes, n: 010, f: 1.5e+3, t: 2026-01-02, x: ~, s: 'quoted', b: !!binary aGk=}\n",
    "a: {1: one, '1': text, false: no}\n",
    "a: !!str 12\nb: !!int '7'\nc: !!float '2'\nd: !!set {x, y}\ne: !!omap [{k: v}]\n",
    "base: {<<: {k: 1, j: 3}, j: 2}\n",
    "folded: >\n  one\n  two\nliteral: |\n  three\n",
    "=: equals\nq: \"esc\\u00e9\\n\"\n",
    "[plain, [nested, {k: [v]}], 'x']\n",
    "just text\n",
]


@pytest.mark.parametrize("text", _DOCUMENTS)
def test_a_written_out_document_is_built_as_pyyaml_builds_it(monkeypatch, text):
    """The suite's own loaders build a document with no alias straight from its nodes (`_written_out`), PyYAML's
    constructor building only what is not text, lists and mappings of text keys: the data is the same either way."""
    from opsverify import checklist as module

    def load(loader_class):
        loader = loader_class(text)
        try:
            return loader.get_single_data(), list(getattr(loader, "odd_numbers", []))
        finally:
            loader.dispose()

    for loader_class in (module._FileLoader, module._ChecklistLoader):
        fast = load(loader_class)
        with monkeypatch.context() as patched:
            patched.setattr(module, "_written_out_and_bounded", lambda shape: False)
            patched.setattr(loader_class, "may_hold_numbers", lambda self: True)
            slow = load(loader_class)
        assert fast == slow and repr(fast) == repr(slow), (loader_class.__name__, text)


@pytest.mark.parametrize("text, refused", [
    ("a: {k: 1}\na: {k: 2}\n", "the key 'a' appears twice in one mapping"),
    ("{~: 1, null: 2}\n", "the key 'null' appears twice in one mapping"),  # one value, two spellings
    ("{yes: 1, true: 2}\n", "the key 'true' appears twice in one mapping"),
    ("{0x1: a, 1: b}\n", "the key '1' appears twice in one mapping"),
    ("a: !!bool maybe\n", "'maybe' is no bool, as its tag !!bool says"),  # PyYAML: a KeyError
    ("a: !!timestamp x\n", "'x' is no timestamp, as its tag !!timestamp says"),  # PyYAML: an AttributeError
    ("{!!int '': 1}\n", "'' is no int, as its tag !!int says"),  # PyYAML: an IndexError
    ("{yes: a, 1: b}\n", "the key '1' appears twice in one mapping"),  # True and 1: one key of a mapping
    ("{1: a, 1.0: b}\n", "the key '1.0' appears twice in one mapping"),
    ("a: [{k: 1, k: 2}]\n", "the key 'k' appears twice in one mapping"),
    ("a: !!str {k: 1}\n", "expected a scalar node"),
])
def test_a_written_out_document_is_refused_as_pyyaml_refuses_it(text, refused):
    from opsverify import checklist as module

    loader = module._FileLoader(text)
    try:
        with pytest.raises(yaml.YAMLError, match=refused):
            loader.get_single_data()
    finally:
        loader.dispose()


@pytest.mark.parametrize("params, said", [
    ("{query: select 1 as n, expect: {n: {le: 010}}}", "YAML reads 010 as 8"),
    ("{query: select 1 as n, expect: {n: {le: !!int '0x10'}}}", "YAML reads 0x10 as 16"),
    ("{query: select 1 as n, expect: {n: {le: 1_000}}}", "YAML reads 1_000 as 1000"),
])
def test_an_odd_number_is_refused_in_a_checklist_of_text_and_one_number(tmp_path, params, said):
    """The loader walks a checklist for odd numbers only where one may be: one number among text is still found."""
    items = ("  - {id: Q1, name: rows, section: s, title: t, family: sql, cadence: postdeploy, params: "
             + params + "}\n")
    message = _refused(_folder(tmp_path, {"shop.yaml": _checklist(items=items)}))
    assert said in message, message


# -- 2. files that look like checklists but would not be read --------------------------------------
@pytest.mark.parametrize("name, said", [
    ("billing/billing.yaml", "billing/billing.yaml: checklists in a subfolder are not read; move it to "),
    ("teams/billing/billing.yml", "teams/billing/billing.yml: checklists in a subfolder are not read; move it to "),
    ("billing.YAML", "billing.YAML: checklists are *.yaml files; rename it billing.yaml"),
    ("billing.Yml", "billing.Yml: checklists are *.yaml files; rename it billing.yaml"),
    ("billing.yml", "billing.yml: checklists are *.yaml files; rename it billing.yaml"),
])
def test_a_checklist_that_would_not_be_read_is_refused(tmp_path, name, said):
    message = _refused(_folder(tmp_path, {name: _checklist("billing")}))
    assert said in message
    assert "\n" not in message


@pytest.mark.parametrize("files", [{"notes/README.md": "how we write checklists\n"},
                                   # checklists kept as a repo of their own: its CI's YAML is not a checklist
                                   {".github/workflows/lint.yml": "on: push\n"},
                                   {"notes/.drafts/x.yaml": "system: x\n"},
                                   {".pre-commit-config.yaml": "repos: []\n", ".yamllint.yml": "extends: default\n"}],
                         ids=["no-yaml", "github", "hidden-inside", "tools-files"])
def test_a_subfolder_without_checklists_is_fine(tmp_path, files):
    checklists = _folder(tmp_path, files)
    assert [c.system for c in load_checklists(checklists)] == ["shop"]


# -- 3. merges: one rule, whatever the keys are called ---------------------------------------------
@pytest.mark.parametrize("key", ["a", "b", "forbidden", "zz", "max_latency_ms"])
def test_a_key_in_two_merged_mappings_is_refused_whatever_its_spelling(key):
    """PyYAML 6.0 keeps the first or the second by whether the key's string is interned."""
    with pytest.raises(yaml.YAMLError, match=f"the key '{key}' is in two merged mappings"):
        yaml.load(f"p:\n  <<: [{{{key}: 1}}, {{{key}: 2}}]\n  s: w\n", Loader=_yaml_loader())


def test_two_merge_keys_holding_one_key_are_refused():
    with pytest.raises(yaml.YAMLError, match="the key 'service' is in two merged mappings"):
        yaml.load("p:\n  <<: {service: web, forbidden: [MOCK]}\n  <<: {service: web}\n", Loader=_yaml_loader())


@pytest.mark.parametrize("key", ["a", "forbidden"])
def test_merges_that_do_not_collide_load_and_written_keys_win(key):
    loaded = yaml.load(f"d: &d {{{key}: 1, c: 1}}\ne: &e {{b: 2}}\np:\n  <<: [*d, *e]\n  {key}: 3\n",
                       Loader=_yaml_loader())
    assert loaded["p"] == {key: 3, "c": 1, "b": 2}


def test_a_merged_mapping_keeps_its_own_override_wherever_it_is_merged():
    """`a` overrides the x it merges; merged again into b, a's own x (2) is what b gets, whatever x is called."""
    for key in ("x", "forbidden_names"):
        loaded = yaml.load(f"a: &a {{<<: {{{key}: 1}}, {key}: 2}}\nb: {{<<: *a}}\nc: {{<<: [*a]}}\n",
                           Loader=_yaml_loader())
        assert loaded == {"a": {key: 2}, "b": {key: 2}, "c": {key: 2}}


def test_a_merge_conflict_in_a_checklist_names_the_file_and_line(tmp_path):
    items = _item("""
    - id: W1
      name: origin
      section: S
      title: t
      family: env
      cadence: postdeploy
      params:
        <<: [{forbidden: [MOCK]}, {forbidden: [NOTHING]}]
        service: web
    """)
    message = _refused(_folder(tmp_path, {"shop.yaml": _checklist(items=items)}))
    assert "shop.yaml:11:" in message
    assert "not valid YAML: the key 'forbidden' is in two merged mappings" in message
    assert "keep it in one, or write it in the mapping that merges them" in message


# -- 4. a boolean is not a number ----------------------------------------------------------------
@pytest.mark.parametrize("family, params, said", [
    ("rpc", {"method": "getBalance", "account": "11111111111111111111111111111111", "min_lamports": True},
     "min_lamports\n  Value error, true is a boolean, not a number"),
    ("env", {"service": "web", "min_length": {"X": True}}, "min_length\n  Value error, X: true is a boolean"),
    ("http", {"service": "web", "path": "/", "max_latency_ms": True}, "max_latency_ms\n  Value error, true is"),
    ("http", {"service": "web", "path": "/", "json_max": {"a": False}}, "json_max\n  Value error, a: false is"),
    ("http", {"service": "web", "path": "/", "status": [200, True]}, "status\n  Value error, [1]: true is"),
])
def test_a_boolean_where_a_number_belongs_is_refused(family, params, said):
    with pytest.raises(ValueError) as raised:
        load_item_params(family, params)
    assert said in str(raised.value)


@pytest.mark.parametrize("family, params", [
    ("http", {"service": "web", "path": "/", "max_latency_ms": 250, "json_min": {"a": 1}}),  # ints for floats
    ("http", {"service": "web", "path": "/", "json": {"ok": True}}),  # any JSON value: a boolean is one
    ("env", {"service": "web", "min_length": {"X": 8}}),
    ("rpc", {"method": "getBalance", "account": "11111111111111111111111111111111", "min_lamports": 0}),
])
def test_numbers_and_booleans_where_they_belong_load(family, params):
    load_item_params(family, params)


def test_a_boolean_for_a_number_in_a_checklist_names_item_and_field(tmp_path):
    items = WEB.replace("required: [APP_ORIGIN]", "required: [APP_ORIGIN], min_length: {APP_ORIGIN: yes}")
    message = _refused(_folder(tmp_path, {"shop.yaml": _checklist(items=items)}))
    assert message.endswith("shop.yaml: W1-origin: params.min_length: APP_ORIGIN: true is a boolean,"
                            " not a number (YAML reads true/false, yes/no and on/off as booleans): write the number")


# -- 5. words YAML reads as numbers -------------------------------------------------------------
@pytest.mark.parametrize("old, new, said", [
    ("id: W1", "id: 1:30", "1:30-origin: id: YAML reads 1:30 as the number 90, not as text: quote it:"
                           " id: '1:30'"),
    ("id: W1", "id: 0x1F", "0x1F-origin: id: YAML reads 0x1F as the number 31, not as text: quote it:"
                           " id: '0x1F'"),
    ("id: W1", "id: 1.10", "1.10-origin: id: YAML reads 1.10 as the number 1.1, not as text: quote it:"
                           " id: '1.10'"),
    ("id: W1", "id: 123", "123-origin: id: YAML reads 123 as a number, not as text: quote it: id: '123'"),
    ("name: origin", "name: 010", "W1-010: name: YAML reads 010 as the number 8, not as text: quote it:"
                                  " name: '010'"),
    ("title: t", "title: yes", "W1-origin: title: YAML reads yes as true, not as text: quote it:"
                               " title: 'yes'"),
    ("section: S", "section: 2026-01-02", "W1-origin: section: YAML reads 2026-01-02 as a date, not as"
                                          " text: quote it: section: '2026-01-02'"),
])
def test_a_word_yaml_reads_as_a_number_is_shown_as_written_and_quoted(tmp_path, old, new, said):
    message = _refused(_folder(tmp_path, {"shop.yaml": _checklist(items=WEB.replace(old, new))}))
    assert message.endswith(f"shop.yaml: {said}"), message


def test_quoted_words_load_as_written_and_params_keep_their_numbers(tmp_path):
    items = (WEB.replace("id: W1", "id: '1.10'").replace("name: origin", 'name: "010"')
             .replace("required: [APP_ORIGIN]", "required: [APP_ORIGIN], min_length: {APP_ORIGIN: 10}"))
    (check,) = load_checklists(_folder(tmp_path, {"shop.yaml": _checklist(items=items)}))
    assert (check.id, check.name, check.params.min_length) == ("1.10", "010", {"APP_ORIGIN": 10})


def test_system_written_as_a_number_is_quoted_too(tmp_path):
    message = _refused(_folder(tmp_path, {"shop.yaml": _checklist("0x10")}))
    assert "system: YAML reads 0x10 as the number 16, not as text: quote it: system: '0x10'" in message


# -- 6. fields a manual or an automated item would carry unread -----------------------------------
MANUAL = "  - {id: M1, name: call, section: S, title: phone the vendor, family: manual, reason: a phone call%s}\n"


@pytest.mark.parametrize("extra, said", [
    (", params: {service: web}", "M1-call: params: a manual item is not checked, so it has no params: remove it"),
    (", mutating: true", "M1-call: mutating: a manual item makes no target do work: remove it"),
    (", cadence: postdeploy", "M1-call: cadence: a manual item is listed in every run whatever -m says, so it has no"
                              " cadence: remove it"),
])
def test_a_manual_item_with_fields_it_does_not_use_is_refused(tmp_path, extra, said):
    message = _refused(_folder(tmp_path, {"shop.yaml": _checklist(items=WEB + MANUAL % extra)}))
    assert message.endswith(f"shop.yaml: {said}"), message


def test_a_manual_item_as_written_loads(tmp_path):
    checks = load_checklists(_folder(tmp_path, {"shop.yaml": _checklist(items=WEB + MANUAL % ", severity: minor")}))
    assert [(c.key, c.reason) for c in checks if c.manual] == [("M1-call", "a phone call")]


def test_a_reason_on_an_automated_item_is_refused(tmp_path):
    items = WEB.replace("family: env,", "family: env, reason: only checked on weekdays,")
    message = _refused(_folder(tmp_path, {"shop.yaml": _checklist(items=items)}))
    assert message.endswith("shop.yaml: W1-origin: reason: only a manual item has a reason (why it cannot be"
                            " automated); say what this item checks in its title, or how to fix it in remediation")


# -- 7. messages --------------------------------------------------------------------------------
@pytest.mark.parametrize("text, kind", [("- a\n- b\n", "a list"), ("hello\n", "a single value")])
def test_a_checklist_that_is_not_a_mapping_says_what_it_must_be(tmp_path, text, kind):
    message = _refused(_folder(tmp_path, {"odd.yaml": text}))
    assert message.endswith(f"odd.yaml: must be a mapping with system, runbook and items (it is {kind})")


def test_a_tab_in_the_indentation_is_named(tmp_path):
    message = _refused(_folder(tmp_path, {"shop.yaml": _checklist().replace("  - ", "\t- ")}))
    assert message.endswith("shop.yaml:4:1: not valid YAML: found character that cannot start any token"
                            " (a tab? YAML indents with spaces)"), message


def test_a_symlinked_checklist_is_named_by_the_link(tmp_path, monkeypatch):
    checklists = _folder(tmp_path, {})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "billing.yaml").write_text(_checklist("billing"))
    os.symlink(elsewhere / "billing.yaml", checklists / "till.yaml")
    monkeypatch.chdir(tmp_path)
    assert _refused(Path("checklists")) == (
        "checklists/till.yaml: system 'billing' does not match the file name 'till' "
        "(a system's checklist is <system>.yaml: rename the file or the system)")


def test_a_params_problem_is_said_in_the_checklists_words(tmp_path):
    """Not pydantic's: no `function-after[_status_code(), int]` in the path, no second line for the union member
    that was not meant, and a mistyped key lists what the family takes."""
    checklists = tmp_path / "checklists"
    checklists.mkdir()
    (checklists / "shop.yaml").write_text(_checklist(items="""
  - {id: W1, name: a, section: s, title: t, family: http, cadence: postdeploy,
     params: {service: web, path: /health, status: 999}}
  - {id: W2, name: b, section: s, title: t, family: http, cadence: postdeploy,
     params: {service: web, path: /health, stauts: 200}}
"""))
    message = _refused(checklists)
    assert "W1-a: params.status: 999 is not an HTTP status code" in message, message
    assert "[" not in message.split("W1-a:")[1].split("\n")[0] and "valid list" not in message, message
    assert message.endswith("W2-b: params.stauts: Extra inputs are not permitted; did you mean status?"), message


@pytest.mark.parametrize("params, said", [
    ("{service: web, path: /health, statuss: 200}", "W1-a: params.statuss: Extra inputs are not permitted; did you"
                                                    " mean status?"),
    # a required field misspelt: one problem, not a second line saying the field is missing
    ("{servce: web, path: /health}", "W1-a: params.servce: Extra inputs are not permitted; did you mean service?"),
    ("{service: web, path: /health, zzz: 1}", "W1-a: params.zzz: Extra inputs are not permitted (the http family"
                                              " takes: "),
])
def test_a_misspelt_params_field_is_one_line_with_the_near_name(tmp_path, params, said):
    """As an item field's typo (`tilte: ... did you mean title?`); a key near no field lists what the family takes."""
    message = _refused(_folder(tmp_path, {"shop.yaml": _checklist(items=f"""
  - {{id: W1, name: a, section: s, title: t, family: http, cadence: postdeploy, params: {params}}}
""")}))
    assert said in message and "\n" not in message, message



@pytest.mark.parametrize("params, said", [
    # a misspelt key inside a mapping of params: its own field there, and not also a missing one
    ("{platform: render, services: [web], cron_jobs: {nightly: {max_age_hour: 25}}}",
     "P1-a: params.cron_jobs.nightly.max_age_hour: Extra inputs are not permitted; did you mean max_age_hours?"),
    ("{platform: supabase, backups: {max_age: 25}}",
     "P1-a: params.backups.max_age: Extra inputs are not permitted; did you mean max_age_hours?"),
    # near no field: what that mapping takes, not what the family takes at the top
    ("{platform: supabase, backups: {ttl: 25, max_age_hours: 25}}",
     "P1-a: params.backups.ttl: Extra inputs are not permitted (params.backups takes: max_age_hours)"),
])
def test_a_misspelt_nested_params_key_is_one_line_with_the_near_name_there(tmp_path, params, said):
    message = _refused(_folder(tmp_path, {"ops.yaml": _checklist("ops", items=f"""
  - {{id: P1, name: a, section: s, title: t, family: provider, cadence: daily, params: {params}}}
""")}))
    assert said in message and "\n" not in message, message

# -- 8. aliases the loader must see however they are written; nesting no walker can follow -----------
def _quoted_key_bomb(levels: int, length: int) -> str:
    """Every alias right after the `:` of a quoted key, in flow style (`{"0":*a0}`): YAML allows it, and no
    blank or bracket comes before the `*`."""
    anchors = [f'"s":&s "{"x" * length}"', '"a0":&a0 {' + ",".join(f'"{i}":*s' for i in range(9)) + "}"]
    anchors += [f'"a{n}":&a{n} {{' + ",".join(f'"{i}":*a{n - 1}' for i in range(9)) + "}" for n in range(1, levels)]
    return _checklist("bomb", "  - {id: B1, name: bomb, section: s, title: t, family: http, cadence: postdeploy,"
                              " params: {service: web, path: /, json: {" + ",".join(anchors) + "}}}\n")


@pytest.mark.parametrize("levels, length, said", [
    (5, 2000, "its YAML aliases expand it to more than 16 MiB of text"),  # 59,049 strings of 2,000 characters
    (8, 3, "its YAML aliases expand it to more than 1,000,000 values"),  # 43 million values in 1 kB
])
def test_an_alias_after_a_quoted_key_is_measured_too(tmp_path, levels, length, said):
    message = _refused(_folder(tmp_path, {"bomb.yaml": _quoted_key_bomb(levels, length)}))
    assert message.endswith(f"bomb.yaml: {said}") or f"bomb.yaml: {said}" in message, message


@pytest.mark.parametrize("json", ['{"k": &j {"x":*j}}', "&j {k: [*j]}", "{k: &j ['x':*j]}"])
def test_a_value_that_holds_itself_is_one_line(tmp_path, json):
    items = f"  - {{id: B1, name: self, section: s, title: t, family: http, cadence: postdeploy, params: {{service: web, path: /, json: {json}}}}}\n"
    message = _refused(_folder(tmp_path, {"loop.yaml": _checklist("loop", items)}))
    assert message.endswith("loop.yaml: a YAML alias refers to a value that contains it (a value that holds itself):"
                            " remove the alias"), message


def _deep(levels: int) -> str:
    return "{k: " * levels + "1" + "}" * levels


@pytest.mark.parametrize("levels", [120, 500, 990])
def test_nesting_no_checklist_needs_is_refused_naming_the_item(tmp_path, levels):
    items = ("  - {id: B1, name: deep, section: s, title: t, family: http, cadence: postdeploy,"
             f" params: {{service: web, path: /, json: {_deep(levels)}}}}}\n")
    message = _refused(_folder(tmp_path, {"deep.yaml": _checklist("deep", items)}))
    assert message.endswith("deep.yaml: B1-deep: params.json.k.k…: nested more than 100 levels deep: no checklist,"
                            " environment or waivers file needs that; write it flatter"), message


def test_nesting_a_checklist_may_need_loads(tmp_path):
    items = ("  - {id: B1, name: deep, section: s, title: t, family: http, cadence: postdeploy,"
             f" params: {{service: web, path: /, json: {_deep(90)}}}}}\n")
    (check,) = [c for c in load_checklists(_folder(tmp_path, {"deep.yaml": _checklist("deep", items)}))
                if c.system == "deep"]
    assert str(check.params.json_fields).count("{") == 90


# -- 9. words YAML 1.1 reads as booleans, where params take text or any JSON value -------------------
def _params(family: str, params: str) -> str:
    service = "service: web, " if family in ("env", "http") else ""  # schema and sql read the system's database
    return _checklist(items=f"  - {{id: K1, name: k, section: s, title: t, family: {family}, cadence: postdeploy,"
                            f" params: {{{service}{params}}}}}\n")


@pytest.mark.parametrize("family, params, said", [
    ("env", "when: {COUNTRY: NO}, required: [X]",
     "K1-k: params.when.COUNTRY: YAML reads NO as false, not as text: quote it: COUNTRY: 'NO'"),
    ("env", "values: {FLAG: yes}", "K1-k: params.values.FLAG: YAML reads yes as true, not as text: quote it: FLAG: 'yes'"),
    ("env", "values: {FLAG: true}",
     "K1-k: params.values.FLAG: YAML reads true as a boolean, not as text: quote it: FLAG: 'true'"),
    ("env", "required: [NO, Y]", "K1-k: params.required.0: YAML reads NO as false, not as text: quote it: 'NO'"),
    ("env", 'values: {NO: "1"}', "K1-k: params.values.NO: YAML reads the key NO as false, not as text: quote it: 'NO'"),
    ("env", 'values: {1.10: "1"}',
     "K1-k: params.values.1.10: YAML reads the key 1.10 as the number 1.1, not as text: quote it: '1.10'"),
    ("http", "path: /, json: {on: 1}",
     "K1-k: params.json.on: YAML reads the key on as true, not as text: quote it: 'on'"),
    ("http", "path: /, json_has: {y: string, on: integer}",
     "K1-k: params.json_has.on: YAML reads the key on as true, not as text: quote it: 'on'"),
    ("http", "path: /, json: {country: NO}", "K1-k: params.json.country: YAML reads NO as false: write false for the"
                                             " boolean, or quote it for the text: country: 'NO'"),
    ("http", "path: /, json: {a: {enabled: yes}}", "K1-k: params.json.a.enabled: YAML reads yes as true: write true"
                                                   " for the boolean, or quote it for the text: enabled: 'yes'"),
    ("http", "path: /, json: {list: [Off]}", "K1-k: params.json.list.0: YAML reads Off as false: write false for the"
                                             " boolean, or quote it for the text: 'Off'"),
    ("sql", "query: select 1 as a, expect: {a: {eq: yes}}",  # any value, as json's: only true and false are booleans
     "K1-k: params.expect.a.eq: YAML reads yes as true: write true for the boolean, or quote it for the text: eq: 'yes'"),
])
def test_a_word_yaml_reads_as_a_boolean_in_params_is_shown_as_written(tmp_path, family, params, said):
    message = _refused(_folder(tmp_path, {"shop.yaml": _params(family, params)}))
    assert message.endswith(f"shop.yaml: {said}"), message


@pytest.mark.parametrize("family, params, read", [
    ("http", "path: /, json: {ok: true, down: false, 'on': 'NO', n: 1}",
     {"json_fields": {"ok": True, "down": False, "on": "NO", "n": 1}}),
    ("env", "required: [X], allow_empty: True", {"allow_empty": True}),  # a switch: true or false, any case
    ("env", "values: {FLAG: 'yes', 'NO': '1'}", {"values": {"FLAG": "yes", "NO": "1"}}),
    ("schema", "table: t, defaults: {id: yes, note: no, stage: \"'NO'\"}",  # a default or none: a boolean here
     {"defaults": {"id": True, "note": False, "stage": "'NO'"}}),
])
def test_booleans_where_they_belong_and_quoted_words_load(tmp_path, family, params, read):
    (check,) = load_checklists(_folder(tmp_path, {"shop.yaml": _params(family, params)}))
    assert {field: getattr(check.params, field) for field in read} == read


# -- 10. what the loader echoes of a checklist is shown, never obeyed or hidden ----------------------
@pytest.mark.parametrize("written, shown", [
    ('"\\e[31mRED\\e[0m"', "\\x1b[31mRED\\x1b[0m-a: id:"),
    ('"\\u202eC1"', "\\u202eC1-a: id:"),
    ('"A1\\u200b"', "A1\\u200b-a: id:"),
    ('"A1\\u061c"', "A1\\u061c-a: id:"),
])
def test_an_id_the_loader_refuses_is_shown_escaped(tmp_path, written, shown):
    items = f"  - {{id: {written}, name: a, section: s, title: t, family: env, cadence: postdeploy, params: {{service: web, required: [X]}}}}\n"
    message = _refused(_folder(tmp_path, {"shop.yaml": _checklist(items=items)}))
    assert f"shop.yaml: {shown} an id holds only ASCII letters, digits" in message, message
    assert message.isprintable(), message


def test_a_name_with_a_carriage_return_and_an_odd_family_are_shown_escaped(tmp_path):
    odd = '  - {id: B1, name: "\\rOVER", section: s, title: t, family: env, cadence: postdeploy, params: {service: web}}\n'
    items = ('  - {id: B2, name: b, section: s, title: t, family: "nope\\e[2J\\u200b", cadence: postdeploy}\n'
             '  - {id: B3, name: c, section: s, title: t, family: env, cadence: postdeploy, params: {service: web, "x\\e[2J": 1}}\n')
    message = _refused(_folder(tmp_path, {"shop.yaml": _checklist(items=items), "odd.yaml": _checklist("odd", odd)}))
    assert "B1-\\x0dOVER: name:" in message, message
    assert "B2-b: family: unknown family 'nope\\x1b[2J\\u200b'" in message, message
    assert "B3-c: params.x\\x1b[2J: Extra inputs are not permitted" in message, message
    assert all(line.isprintable() for line in message.splitlines()), message


def test_a_key_given_twice_is_named_escaped(tmp_path):
    items = WEB.replace("service: web", 'service: web, "k\\e[2J": 1, "k\\e[2J": 2')
    message = _refused(_folder(tmp_path, {"shop.yaml": _checklist(items=items)}))
    assert "the key 'k\\x1b[2J' appears twice in one mapping" in message, message


def test_two_items_of_one_test_id_are_both_named(tmp_path):
    items = WEB.replace("id: W1, name: origin", "id: A1, name: b-c") + WEB.replace("id: W1, name: origin", "id: A1-b, name: c")
    message = _refused(_folder(tmp_path, {"shop.yaml": _checklist(items=items)}))
    assert message.endswith("shop.yaml: A1-b-c: id A1-b and name c make the test id of the item with id A1 and name"
                            " b-c: rename one of them"), message
    twice = _refused(_folder(tmp_path, {"shop.yaml": _checklist(items=WEB + WEB)}))
    assert twice.endswith("shop.yaml: W1-origin: a second item with id W1 and name origin: rename one of them"), twice


def test_the_non_finite_walker_follows_any_depth_and_each_value_once():
    """What reaches it is bounded by the loader; what a family builds itself need not be."""
    from opsverify.families._common import holds_non_finite

    deep: object = [float("nan")]
    for _ in range(5000):
        deep = {"k": deep}
    assert holds_non_finite(deep)
    loop: dict = {"n": 1.0}
    loop["self"] = loop
    assert not holds_non_finite(loop)


# -- 11. words a person reads: none blank ------------------------------------------------------------
@pytest.mark.parametrize("items, said", [
    (WEB + MANUAL.replace("reason: a phone call", 'reason: "  "') % "",
     "M1-call: reason: a manual item needs the reason it cannot be automated"),
    (WEB.replace("title: t", 'title: " "'), "W1-origin: title: blank: say what the item checks"),
    (WEB.replace("section: S", 'section: ""'), "W1-origin: section: blank: name the runbook's section it is in"),
    (WEB.replace("title: t", 'title: t, remediation: "\\t"'),
     "W1-origin: remediation: blank: say how to fix a failure, or remove it"),
], ids=["manual-reason", "title", "section", "remediation"])
def test_a_blank_word_of_an_item_is_refused(tmp_path, items, said):
    message = _refused(_folder(tmp_path, {"shop.yaml": _checklist(items=items)}))
    assert message.endswith(f"shop.yaml: {said}"), message


def test_a_blank_runbook_is_refused(tmp_path):
    message = _refused(_folder(tmp_path, {"shop.yaml": _checklist().replace("runbook: r", 'runbook: " "')}))
    assert message.endswith("shop.yaml: runbook: blank: name the runbook the items come from"), message


@pytest.mark.parametrize("items, said", [
    (WEB + MANUAL.replace("reason: a phone call", 'reason: "\\u200b\\ufeff"') % "",
     "M1-call: reason: a manual item needs the reason it cannot be automated (it holds only characters that show as"
     " nothing: \\u200b\\ufeff)"),
    (WEB.replace("title: t", 'title: "\\u200b"'),
     "W1-origin: title: blank: say what the item checks (it holds only characters that show as nothing: \\u200b)"),
    (WEB.replace("section: S", 'section: "\\ufeff \\u00ad"'), "W1-origin: section: blank: name the runbook's"
     " section it is in (it holds only characters that show as nothing: \\ufeff \\u00ad)"),
    (WEB.replace("title: t", 'title: t, remediation: "\\u2060"'), "W1-origin: remediation: blank: say how to fix a"
     " failure, or remove it (it holds only characters that show as nothing: \\u2060)"),
], ids=["manual-reason", "title", "section", "remediation"])
def test_words_of_only_characters_that_show_as_nothing_are_blank(tmp_path, items, said):
    """A zero-width space or a byte order mark says nothing to the person who reads the item, as a blank does (a
    waiver refuses the same characters): one line names the file, the item, the field and what it holds."""
    message = _refused(_folder(tmp_path, {"shop.yaml": _checklist(items=items)}))
    lines = [line for line in message.splitlines() if "shop.yaml: " in line]
    assert len(lines) == 1 and lines[0].endswith(f"shop.yaml: {said}"), message


def test_a_runbook_of_only_characters_that_show_as_nothing_is_blank(tmp_path):
    checklist = _checklist().replace("runbook: r", 'runbook: "\\u200b"')
    message = _refused(_folder(tmp_path, {"shop.yaml": checklist}))
    assert message.endswith("shop.yaml: runbook: blank: name the runbook the items come from (it holds only"
                            " characters that show as nothing: \\u200b)"), message


# -- 12. pydantic's errors said in the checklist's words ---------------------------------------------
def test_a_params_problem_of_two_fields_names_params_not_an_empty_field(tmp_path):
    items = WEB.replace("required: [APP_ORIGIN]", "required: [APP_ORIGIN], placeholders_from: x.env")
    message = _refused(_folder(tmp_path, {"shop.yaml": _checklist(items=items)}))
    assert "shop.yaml: W1-origin: params: placeholders_from is read only by not_placeholder" in message, message
    assert "params.:" not in message and "Value error" not in message, message


ID_WORDS = ("an id holds only ASCII letters, digits, '.', '_' and '-', starts with a letter or digit and is at most"
            " 40 characters long: rename it")
NAME_WORDS = "a name holds only lowercase ASCII letters, digits and '-', and starts with a letter or digit: rename it"


@pytest.mark.parametrize("old, new, said", [
    ("id: W1", "id: W 1", f"W 1-origin: id: {ID_WORDS}"),
    ("id: W1", "id: .W1", f".W1-origin: id: {ID_WORDS}"),
    ("id: W1", f"id: {'W' * 41}", f"{'W' * 41}-origin: id: {ID_WORDS}"),
    ("name: origin", "name: Origin", f"W1-Origin: name: {NAME_WORDS}"),
])
def test_an_id_or_name_out_of_its_pattern_says_what_it_may_hold(tmp_path, old, new, said):
    message = _refused(_folder(tmp_path, {"shop.yaml": _checklist(items=WEB.replace(old, new))}))
    assert message.endswith(f"shop.yaml: {said}"), message


def test_a_system_out_of_its_pattern_says_what_it_may_hold(tmp_path):
    message = _refused(_folder(tmp_path, {"Shop.yaml": _checklist("Shop")}))
    assert ("Shop.yaml: system: a system's name holds only lowercase ASCII letters, digits and '-', and starts with"
            " a letter or digit: rename it") in message, message


def test_an_unknown_top_level_key_lists_the_keys_and_where_anchors_go(tmp_path):
    text = _checklist().replace("items:\n", 'defaults:\n  section: &web "1 Web"\nitems:\n')
    message = _refused(_folder(tmp_path, {"shop.yaml": text}))
    assert message.endswith("shop.yaml: defaults: not a checklist key (a checklist holds system, runbook and items,"
                            " and no key of its own for YAML anchors: anchor a value where it is first written,"
                            " section: &web Web, and alias it after, section: *web)"), message


@pytest.mark.parametrize("old, new, said", [
    ("title: t", "tilte: t", "W1-origin: tilte: not an item field; did you mean title?"),
    ("cadence: postdeploy", "cadance: postdeploy", "W1-origin: cadance: not an item field; did you mean cadence?"),
    ("title: t", "title: t, zzz: 1", "W1-origin: zzz: not an item field (an item holds id, name, section, title,"
                                     " family, cadence, severity, mutating, remediation, reason and params)"),
])
def test_a_misspelt_item_field_is_one_line_with_the_near_name(tmp_path, old, new, said):
    message = _refused(_folder(tmp_path, {"shop.yaml": _checklist(items=WEB.replace(old, new))}))
    assert message.endswith(f"shop.yaml: {said}") and "\n" not in message, message


def test_a_misspelt_top_level_key_is_one_line_with_the_near_name(tmp_path):
    message = _refused(_folder(tmp_path, {"shop.yaml": _checklist().replace("items:", "item:")}))
    assert message.endswith("shop.yaml: item: not a checklist key; did you mean items?") and "\n" not in message, message


# -- 13. where pytest places an item: its line in the checklist, not the engine's source -------------
def test_a_skipped_item_is_placed_at_its_line_in_the_checklist(tmp_path):
    from .project import Project

    project = Project(tmp_path / "team", {})
    project.checklist("site", """\
    - {id: W1, name: up, section: Web, title: up, family: env, cadence: postdeploy,
       params: {service: web, required: [APP_ORIGIN]}}
    - id: W2
      name: env
      section: Web
      title: the web has its origin
      family: env
      cadence: postdeploy
      params: {service: web, required: [APP_ORIGIN]}
    """)
    project.environment('systems: {site: {services: {web: {url: "http://127.0.0.1:1"}}}}\n')
    ran = project.run("--env", "local", "-m", "postdeploy", "-rs", "--no-archive")
    skipped = sorted(line for line in ran.done.stdout.splitlines() if line.startswith("SKIPPED"))
    assert [line.split(": ")[0] for line in skipped] == ["SKIPPED [1] checklists/site.yaml:4",
                                                          "SKIPPED [1] checklists/site.yaml:6"], ran.output[-3000:]
    assert "W1-up" in skipped[0] and "W2-env" in skipped[1], skipped


# -- 14. numbers YAML 1.1 reads otherwise than written: refused, never a silently changed target ------
@pytest.mark.parametrize("family, params, said", [
    ("sql", "query: select 1 as queued, expect: {queued: {ge: 010}}",
     "params.expect.queued.ge: YAML reads 010 as 8 (a leading 0 makes a number octal): write 10 for the number,"
     " or quote it for the text: ge: '010'"),
    ("http", "path: /, json_min: {latency_ms: 012}",
     "params.json_min.latency_ms: YAML reads 012 as 10 (a leading 0 makes a number octal): write 12 for the number, or"
     " quote it for the text: latency_ms: '012'"),
    ("http", "path: /, max_latency_ms: 0x10",
     "params.max_latency_ms: YAML reads 0x10 as 16 (0x makes a number hexadecimal): write 16 for the number, or"
     " quote it for the text: max_latency_ms: '0x10'"),
    ("http", "path: /, status: [0b11001000]",
     "params.status.0: YAML reads 0b11001000 as 200 (0b makes a number binary): write 200 for the number, or"
     " quote it for the text: '0b11001000'"),
    ("http", "path: /, max_latency_ms: 1:30",
     "params.max_latency_ms: YAML reads 1:30 as 90 (a colon makes a number base 60): write 90 for the number, or"
     " quote it for the text: max_latency_ms: '1:30'"),
    ("http", "path: /, max_latency_ms: 1_000",
     "params.max_latency_ms: YAML reads 1_000 as 1000 (it drops the _): write 1000 for the number, or"
     " quote it for the text: max_latency_ms: '1_000'"),
    ("http", "path: /, json_max: {a: -1_0.5}",
     "params.json_max.a: YAML reads -1_0.5 as -10.5 (it drops the _): write -10.5 for the number, or quote it for"
     " the text: a: '-1_0.5'"),
    ("http", "path: /, json_max: {a: 1:30.5}",
     "params.json_max.a: YAML reads 1:30.5 as 90.5 (a colon makes a number base 60): write 90.5 for the number, or"
     " quote it for the text: a: '1:30.5'"),
], ids=["sql-octal", "http-octal", "hex", "binary", "sexagesimal", "underscore", "float-underscore", "float-base-60"])
def test_a_number_yaml_reads_otherwise_is_refused_naming_file_line_and_item(tmp_path, family, params, said):
    message = _refused(_folder(tmp_path, {"shop.yaml": _params(family, params)}))
    assert message.endswith(f"shop.yaml:4: K1-k: {said}") and "\n" not in message, message


@pytest.mark.parametrize("family, params, read", [
    ("http", "path: /, json_min: {a: 0, b: 0.5, c: 1e3, d: 10, e: -0.25, f: +7}",
     {"json_min": {"a": 0, "b": 0.5, "c": 1000, "d": 10, "e": -0.25, "f": 7}}),
    ("http", "path: /, json: {v: '010', w: \"0x10\", t: '1:30'}",
     {"json_fields": {"v": "010", "w": "0x10", "t": "1:30"}}),
    ("sql", "query: select 1 as a, expect: {a: {ge: 10}}", {"expect": {"a": {"ge": 10}}}),
])
def test_numbers_as_written_and_quoted_words_load(tmp_path, family, params, read):
    (check,) = load_checklists(_folder(tmp_path, {"shop.yaml": _params(family, params)}))
    assert {field: getattr(check.params, field) for field in read} == read


def test_an_odd_number_in_a_merged_mapping_is_named_where_it_is_written(tmp_path):
    items = ("  - id: K1\n    name: k\n    section: s\n    title: t\n    family: http\n    cadence: postdeploy\n"
             "    params:\n      <<: {service: web, path: /, max_latency_ms: 010}\n")
    message = _refused(_folder(tmp_path, {"shop.yaml": _checklist(items=items)}))
    assert message.endswith("shop.yaml:11: K1-k: params.max_latency_ms: YAML reads 010 as 8 (a leading 0 makes a"
                            " number octal): write 10 for the number, or quote it for the text:"
                            " max_latency_ms: '010'"), message


@pytest.mark.parametrize("params, said", [
    ("query: select 1 as i, expect: {i: {ge: !!int \"010\"}}",
     "params.expect.i.ge: YAML reads 010 as 8 (a leading 0 makes a number octal): write 10 for the number, or quote"
     " it for the text: ge: '010'"),
    ("query: select 1 as i, expect: {i: {ge: !!float '1:30'}}",
     "params.expect.i.ge: YAML reads 1:30 as 90.0 (a colon makes a number base 60): write 90 for the number, or quote"
     " it for the text: ge: '1:30'"),
    ("query: select 1 as i, expect: {i: {ge: !!float \"abc\"}}",
     "params.expect.i.ge: abc is tagged !!float but is not a number: write the number, or drop the tag for the text"),
    ("query: select 1 as i, expect: {i: {ge: !!int 1.5}}",
     "params.expect.i.ge: 1.5 is tagged !!int but is not a whole number: write the number, or drop the tag for the"
     " text"),
    ("query: select 1 as i, expect: {i: {ge: !!int \"\"}}",
     "params.expect.i.ge:  is tagged !!int but is not a whole number: write the number, or drop the tag for the text"),
    ("query: select 1 as i, expect: {i: {ge: !!int '-'}}",
     "params.expect.i.ge: - is tagged !!int but is not a whole number: write the number, or drop the tag for the"
     " text"),
], ids=["int-tag-octal", "float-tag-base-60", "float-tag-word", "int-tag-fraction", "int-tag-empty", "int-tag-sign"])
def test_a_number_tagged_explicitly_is_checked_as_one_written_plainly(tmp_path, params, said):
    """`!!int "010"` is read by YAML as octal 8 though quoted; `!!float "abc"` is no number (not a date)."""
    message = _refused(_folder(tmp_path, {"shop.yaml": _params("sql", params)}))
    assert message.endswith(f"shop.yaml:4: K1-k: {said}") and "\n" not in message, message


@pytest.mark.parametrize("text, said", [
    ("timeouts: {http_s: 1:30}\n", "local.yaml:2: timeouts.http_s: YAML reads 1:30 as 90 (a colon makes a number"
                                   " base 60): write 90"),
    ("concurrency: 010\n", "local.yaml:2: concurrency: YAML reads 010 as 8 (a leading 0 makes a number octal):"
                           " write 10"),
    ("description: 12:30\n", "local.yaml:2: description: YAML reads 12:30 as 750 (a colon makes a number base 60):"
                             " quote it: description: '12:30'"),
], ids=["timeout", "concurrency", "description"])
def test_an_environments_odd_number_is_told_as_the_field_takes_it(tmp_path, text, said):
    """A timeout is a number (quoting it would be refused next as no number); a description is text."""
    from opsverify.environment import load_environment

    (tmp_path / "local.yaml").write_text(f"name: local\n{text}systems: {{}}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_environment(tmp_path, "local")
    assert raised.value.message == str(tmp_path / said), raised.value.message


# -- 15. a person's words are one line: the summary and the report show them on one -------------------
def _item_with(field: str, written: str) -> str:
    """An item in block style whose `field` is written as given (a block scalar's lines indented under it)."""
    words = {"section": "s", "title": "t", "remediation": "r"}
    lines = [f"{name}: {words[name]}" for name in words if name != field] + [written]
    body = "\n".join(["id: K1", "name: k", *lines, "family: env", "cadence: postdeploy",
                      "params: {service: web, required: [X]}"])
    return textwrap.indent(body, "    ").replace("    id:", "  - id:", 1) + "\n"


@pytest.mark.parametrize("field, written, said", [
    ("title", "title: |\n  health answers\n  with ok", "holds a line break:"),
    ("title", "title: >\n  health answers", "holds a line break at its end (YAML's | and > blocks keep their last"
                                              " one):"),
    ("title", 'title: "x\\nenv staging, deploy local: 5 passed, 0 failed"', "holds a line break:"),
    ("section", "section: |\n  Web", "holds a line break at its end"),
    ("remediation", 'remediation: "roll back\\nthen page"', "holds a line break:"),
], ids=["literal-block", "folded-block", "escaped", "section", "remediation"])
def test_a_line_break_in_a_one_line_word_is_refused(tmp_path, field, written, said):
    message = _refused(_folder(tmp_path, {"shop.yaml": _checklist(items=_item_with(field, written))}))
    assert f"shop.yaml: K1-k: {field}: {said}" in message and "\n" not in message, message
    assert message.endswith("write it on one line, or use >- to fold lines into one"), message


def test_a_blank_line_in_a_folded_block_is_said_to_keep_its_break(tmp_path):
    """`>-` folds lines into one, but a blank line between two is kept as a line break: advising >- is no fix."""
    message = _refused(_folder(tmp_path, {"shop.yaml": _checklist(items=_item_with(
        "title", "title: >-\n  health answers\n\n  with ok"))}))
    assert message.endswith("shop.yaml: K1-k: title: holds a line break: write it on one line, or use >- to fold"
                            " lines into one (a blank line inside a >- block keeps a line break: remove it)"), message


@pytest.mark.parametrize("checklist, said", [
    (_checklist().replace("runbook: r", "runbook: |\n  r"), "shop.yaml: runbook: holds a line break"),
    (_checklist(items=WEB + MANUAL.replace("reason: a phone call", 'reason: "a call\\nto them"') % ""),
     "shop.yaml: M1-call: reason: holds a line break"),
])
def test_the_runbook_and_a_manual_reason_are_one_line_too(tmp_path, checklist, said):
    assert said in _refused(_folder(tmp_path, {"shop.yaml": checklist}))


def test_a_folded_block_without_its_last_line_break_loads(tmp_path):
    items = _item_with("title", "title: >-\n  health answers\n  with ok")
    (check,) = load_checklists(_folder(tmp_path, {"shop.yaml": _checklist(items=items)}))
    assert check.title == "health answers with ok"


def test_a_query_keeps_its_line_breaks(tmp_path):
    items = ("  - id: K1\n    name: k\n    section: s\n    title: t\n    family: sql\n    cadence: postdeploy\n"
             "    params:\n      query: |\n        select 1 as a\n        from pg_class\n      expect: {a: {ge: 1}}\n")
    (check,) = load_checklists(_folder(tmp_path, {"shop.yaml": _checklist(items=items)}))
    assert "\n" in check.params.query


# -- 16. messages: as written, one line, without pydantic's own words --------------------------------
@pytest.mark.parametrize("key", ["null", "~", "NULL"])
@pytest.mark.parametrize("family, params, at", [("http", "path: /, json: {%s: 1}", "json."),
                                                ("schema", "table: t, %s: c", "")], ids=["in-json", "params-key"])
def test_a_null_key_in_params_is_shown_as_written(tmp_path, key, family, params, at):
    message = _refused(_folder(tmp_path, {"shop.yaml": _params(family, params % key)}))
    assert message.endswith(f"K1-k: params.{at}{key}: YAML reads the key {key} as nothing (null), not as text:"
                            f" quote it: '{key}'"), message


@pytest.mark.parametrize("status, shown", [("'2xx'", "'2xx'"), ("200.5", "200.5"), ("{a: 1}", '{"a": 1}')])
def test_a_status_of_no_form_it_takes_is_one_line_naming_the_forms(tmp_path, status, shown):
    message = _refused(_folder(tmp_path, {"shop.yaml": _params("http", f"path: /, status: {status}")}))
    assert message.endswith(f"K1-k: params.status: takes a whole number or a list of whole numbers, not {shown}"), \
        message


@pytest.mark.parametrize("family, params, said", [
    ("http", "path: /, json_max: {lag: ten}", "params.json_max.lag: takes a number, not 'ten'"),
    ("http", "path: /, json_min: {lag: [1]}", "params.json_min.lag: takes a number, not [1]"),
    ("cron", "service: web, path: /, secret: s, json_max: {lag: ten}", "params.json_max.lag: takes a number, not 'ten'"),
    ("schema", "table: t, defaults: {c: [1]}", "params.defaults.c: takes true or false or a number or a text, not [1]"),
    # a key of the user's named as pydantic names a union's member is kept: the model's shape tells them apart
    ("http", "path: /, json_max: {int: ten}", "params.json_max.int: takes a number, not 'ten'"),
    ("schema", "table: t, defaults: {str: {a: 1}}",
     'params.defaults.str: takes true or false or a number or a text, not {"a": 1}'),
    ("http", "path: /, json_min: {'list[int]': 1}",
     "params.json_min.list[int]: 'list[int]': give an exact dotted path (globs are accepted in `json` only)"),
], ids=["http-word", "http-list", "cron", "schema-defaults", "key-int", "key-str", "key-list[int]"])
def test_a_value_of_no_form_a_union_of_plain_types_takes_is_one_line_at_its_key(tmp_path, family, params, said):
    message = _refused(_folder(tmp_path, {"shop.yaml": _params(family, params)}))
    assert message.endswith(f"K1-k: {said}") and "\n" not in message, message


def test_unions_inside_unions_are_each_said_once(tmp_path):
    from pydantic import BaseModel, ValidationError

    from opsverify.checklist import _one_form_each

    class Nested(BaseModel):
        bounds: list[int | float] | str = ""
        limits: dict[str, dict[str, int | str] | bool] = {}

    with pytest.raises(ValidationError) as raised:
        Nested.model_validate({"bounds": [1, "a"], "limits": {"int": {"str": [1]}, "b": 5}})
    said = [(err["loc"], err["msg"]) for err in _one_form_each(Nested, raised.value.errors())]
    assert said == [(("bounds", 1), "takes a number, not 'a'"),
                    (("limits", "int", "str"), "takes a whole number or a text, not [1]"),
                    (("limits", "b"), "takes a mapping or true or false, not 5")], said


def test_a_list_of_statuses_says_only_what_is_wrong_inside_it(tmp_path):
    message = _refused(_folder(tmp_path, {"shop.yaml": _params("http", "path: /, status: [200, 2.5]")}))
    assert message.endswith("K1-k: params.status.1: Input should be a valid integer, got a number with a fractional"
                            " part") and "\n" not in message, message


def test_no_message_carries_pydantics_value_error_prefix(tmp_path):
    message = _refused(_folder(tmp_path, {"shop.yaml": _checklist(items=WEB.replace("id: W1", "id: 1:30"))}))
    assert message.endswith("1:30-origin: id: YAML reads 1:30 as the number 90, not as text: quote it: id: '1:30'")


# -- YAML 1.2's exponent numbers (1e3, 1E+3, 4e0), which YAML 1.1 reads as text, are numbers in params ----------------
@pytest.mark.parametrize("family, params, field, read", [
    ("sql", "query: select 1 as total, expect: {total: {ge: 1, lt: 1e3}}", "expect", {"total": {"ge": 1, "lt": 1000}}),
    ("http", "path: /, json: {workers: 4e0}", "json_fields", {"workers": 4}),
    ("http", "path: /, json_min: {a: 1E+3, b: 2.5e-1}, json_max: {c: -1.0e3, d: .5E1}", "json_min",
     {"a": 1000, "b": 0.25}),
    ("redis", "keys: {q: {max: 1e2}}", "keys", None),
    ("env", "required: [X], min_length: {X: 1e2}", "min_length", {"X": 100}),
])
def test_an_exponent_number_in_params_is_the_number_written(tmp_path, family, params, field, read):
    (check,) = load_checklists(_folder(tmp_path, {"shop.yaml": _params(family, params)}))
    value = getattr(check.params, field)
    if read is None:
        assert value["q"].max == 100
    else:
        assert value == read and not any(isinstance(v, str) for v in _leaves(value)), value


def _leaves(value):
    return [leaf for inner in value.values() for leaf in _leaves(inner)] if isinstance(value, dict) else [value]


def test_an_exponent_number_in_sql_is_compared_as_the_number_written(tmp_path):
    import decimal

    from opsverify.families.sql import _holds

    (check,) = load_checklists(_folder(tmp_path, {"shop.yaml": _params("sql", "query: select 1 as t, expect: {t: "
                                                                                "{lt: 1e3, ge: 1.0e-400}}")}))
    bounds = check.params.expect["t"]
    assert _holds("lt", decimal.Decimal(999), bounds["lt"])[0] and not _holds("lt", 1000, bounds["lt"])[0]
    assert not _holds("ge", decimal.Decimal(0), bounds["ge"])[0]


@pytest.mark.parametrize("family, params, said", [
    ("env", "values: {SHA: 1234e56}", "K1-k: params.values.SHA: YAML reads 1234e56 as the number 1.234e+59, not as "
                                      "text: quote it: SHA: '1234e56'"),
    ("env", "required: [1e3]", "K1-k: params.required.0: YAML reads 1e3 as the number 1000.0, not as text: quote it: "
                               "'1e3'"),
])
def test_an_exponent_number_where_only_text_is_taken_is_refused_saying_to_quote_it(tmp_path, family, params, said):
    message = _refused(_folder(tmp_path, {"shop.yaml": _params(family, params)}))
    assert message.endswith(f"shop.yaml: {said}"), message


@pytest.mark.parametrize("old, new, said", [
    ("id: W1", "id: 1e3", "1e3-origin: id: YAML reads 1e3 as the number 1000.0, not as text: quote it: id: '1e3'"),
    ("title: t", "title: 4E+0", "W1-origin: title: YAML reads 4E+0 as the number 4.0, not as text: quote it:"
                                " title: '4E+0'"),
])
def test_a_word_written_as_an_exponent_number_is_refused_as_other_numbers_are(tmp_path, old, new, said):
    message = _refused(_folder(tmp_path, {"shop.yaml": _checklist(items=WEB.replace(old, new))}))
    assert message.endswith(f"shop.yaml: {said}"), message


# -- a cadence or severity no item may have echoes the value given ---------------------------------------------------
@pytest.mark.parametrize("old, new, said", [
    ("cadence: postdeploy", "cadence: postdeplo",
     "W1-origin: cadence: Input should be 'postdeploy', 'daily', 'weekly' or 'monthly', not 'postdeplo'; did you "
     "mean postdeploy?"),
    ("cadence: postdeploy", "cadence: postdeploy, severity: critcal",
     "W1-origin: severity: Input should be 'blocker', 'critical', 'normal', 'minor' or 'trivial', not 'critcal'; "
     "did you mean critical?"),
    ("cadence: postdeploy", "cadence: hourly",
     "W1-origin: cadence: Input should be 'postdeploy', 'daily', 'weekly' or 'monthly', not 'hourly'"),
])
def test_a_cadence_or_severity_typo_echoes_the_value_given(tmp_path, old, new, said):
    message = _refused(_folder(tmp_path, {"shop.yaml": _checklist(items=WEB.replace(old, new))}))
    assert message.endswith(f"shop.yaml: {said}"), message


# -- an item's `mutating` is a switch: only true or false, as an environment's allow_mutating -------------------------
@pytest.mark.parametrize("written, said", [
    ("yes", "must be true or false, not yes (which YAML 1.1 reads as true): write true"),
    ("no", "must be true or false, not no (which YAML 1.1 reads as false): write false"),
    ("off", "must be true or false, not off (which YAML 1.1 reads as false): write false"),
    ('"yes"', "must be true or false, not a text ('yes'): write true, unquoted"),
    ("1", "must be true or false, not a number (1): write true"),
    ("2", "must be true or false, not a number"),
])
def test_mutating_takes_only_true_or_false(tmp_path, written, said):
    items = WEB.replace("cadence: postdeploy,", f"cadence: postdeploy, mutating: {written},")
    message = _refused(_folder(tmp_path, {"shop.yaml": _checklist(items=items)}))
    assert message.endswith(f"shop.yaml: W1-origin: mutating: {said}"), message


@pytest.mark.parametrize("family, params, field", [
    ("scheduler", "{job: nightly, active: %s}", "active"),
    ("schema", "{table: public.t, rls: %s}", "rls"),
])
@pytest.mark.parametrize("written, said", [
    ("yes", "must be true or false, not yes (which YAML 1.1 reads as true): write true"),
    ("off", "must be true or false, not off (which YAML 1.1 reads as false): write false"),
    ('"no"', "must be true or false, not a text ('no'): write false, unquoted"),
    ("0", "must be true or false, not a number (0): write false"),
    ("0.0", "must be true or false, not a number (0.0): write false"),
    ('"later"', "must be true or false, not a text"),
    ("y", "must be true or false, not a text ('y'): write true"),
    ("", "empty: write true or false, or leave the field out"),  # read as "not asked": nothing would be judged
    ("~", "empty: write true or false, or leave the field out"),
])
def test_a_params_switch_takes_only_true_or_false(tmp_path, family, params, field, written, said):
    """pydantic reads "yes", "no", 1 and 0.0 as booleans: `active: 0.0` would judge a pg_cron job on a number, and
    `active: off` on YAML 1.1's reading of a word. A switch in params takes true or false, as `mutating` does."""
    item = (f"  - {{id: P1, name: p, section: S, title: t, family: {family}, cadence: postdeploy, "
            f"params: {params % written}}}\n")
    message = _refused(_folder(tmp_path, {"shop.yaml": _checklist(items=item)}))
    assert message.endswith(f"shop.yaml: P1-p: params.{field}: {said}"), message
    for word, read in (("true", True), ("False", False)):
        item = (f"  - {{id: P1, name: p, section: S, title: t, family: {family}, cadence: postdeploy, "
                f"params: {params % word}}}\n")
        (check,) = load_checklists(_folder(tmp_path, {"shop.yaml": _checklist(items=item)}))
        assert getattr(check.params, field) is read


@pytest.mark.parametrize("field", ["foreign_keys_indexed", "fixed_search_path", "up_to_date"])
@pytest.mark.parametrize("written", ["", "~"])
def test_a_switch_that_only_turns_a_check_on_written_empty_is_refused(tmp_path, field, written):
    """`foreign_keys_indexed:` (Literal[True] | None) written empty read as not asked: an item titled "foreign keys
    are indexed" judged only that its tables exist."""
    base = {"foreign_keys_indexed": "tables: [public.t]", "fixed_search_path": "functions_in: public",
            "up_to_date": "extensions: [pgcrypto]"}[field]
    item = (f"  - {{id: P1, name: p, section: S, title: t, family: schema, cadence: postdeploy, "
            f"params: {{{base}, {field}: {written}}}}}\n")
    message = _refused(_folder(tmp_path, {"shop.yaml": _checklist(items=item)}))
    assert message.endswith(f"shop.yaml: P1-p: params.{field}: empty: write true, or leave the field out"), message


@pytest.mark.parametrize("written, read", [("true", True), ("True", True), ("false", False), ("FALSE", False)])
def test_mutating_true_or_false_in_any_case_is_taken(tmp_path, written, read):
    items = WEB.replace("cadence: postdeploy,", f"cadence: postdeploy, mutating: {written},")
    (check,) = load_checklists(_folder(tmp_path, {"shop.yaml": _checklist(items=items)}))
    assert check.mutating is read
