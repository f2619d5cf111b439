"""The per-family reference in docs/checklists.md and the families' `Params` agree: every parameter
a section's YAML `params:` example shows exists in the model, and every model field is shown.

A family whose `### ` section has no YAML params example yet is skipped; those are
listed in NOT_YET_DOCUMENTED (kept exact by a test, so documenting a family means removing it here).
"""

from __future__ import annotations

import re

import pytest
import yaml

from opsverify import families

from .helpers import ROOT

DOCS = ROOT / "docs" / "checklists.md"


def documented_examples(text: str) -> list[tuple[str, int, dict]]:
    """(family, index, params) of every `params:` document in each family's `### ` section, in order."""
    found = []
    for section in re.split(r"^### ", text, flags=re.MULTILINE)[1:]:
        heading = re.match(r"`([a-z0-9_]+)`", section)
        if not heading:
            continue
        for block in re.findall(r"^```yaml\n(.*?)^```", section, flags=re.MULTILINE | re.DOTALL):
            documents = re.split(r"^---\s*$", block, flags=re.MULTILINE)
            if not documents[0].lstrip().startswith("params:"):
                continue
            for index, document in enumerate(documents):
                loaded = yaml.safe_load(document if index == 0 else "params:\n" + document)
                found.append((heading.group(1), len(found), (loaded or {}).get("params") or {}))
    return found


def documented_params(text: str) -> dict[str, set[str]]:
    """{family: parameter names} from the yaml blocks of each family's `### ` section. A block holds
    `params:` documents; documents after a `---` line continue them as further examples."""
    found: dict[str, set[str]] = {}
    for section in re.split(r"^### ", text, flags=re.MULTILINE)[1:]:
        heading = re.match(r"`([a-z0-9_]+)`", section)
        if not heading:
            continue
        keys: set[str] = set()
        for block in re.findall(r"^```yaml\n(.*?)^```", section, flags=re.MULTILINE | re.DOTALL):
            documents = re.split(r"^---\s*$", block, flags=re.MULTILINE)
            if not documents[0].lstrip().startswith("params:"):
                continue  # an environment-file example, not params
            for index, document in enumerate(documents):
                loaded = yaml.safe_load(document if index == 0 else "params:\n" + document)
                keys.update((loaded or {}).get("params") or {})
        if keys:
            found[heading.group(1)] = keys
    return found


DOCUMENTED = documented_params(DOCS.read_text(encoding="utf-8"))

# families documented in their module docstrings only, for now
NOT_YET_DOCUMENTED: tuple[str, ...] = ()


def model_params(family: str) -> set[str]:
    """The names a checklist writes: a field's alias where it has one (http's `json`)."""
    return {info.alias or name for name, info in families.params_model(family).model_fields.items()}


@pytest.mark.parametrize("family", sorted(families.BUILT))
def test_documented_params_match_the_model(family):
    if family in NOT_YET_DOCUMENTED:
        pytest.skip(f"docs/checklists.md has no YAML params example for `{family}` yet")
    assert family in DOCUMENTED, f"docs/checklists.md needs a `### `{family}`` section with a YAML params example"
    documented, model = DOCUMENTED[family], model_params(family)
    assert sorted(documented - model) == [], f"documented in docs/checklists.md but not in {family}.Params"
    assert sorted(model - documented) == [], f"fields of {family}.Params missing from docs/checklists.md"


@pytest.mark.parametrize("family, index, params",
                         documented_examples(DOCS.read_text(encoding="utf-8")), ids=lambda v: str(v)[:20])
def test_every_documented_example_loads_as_written(family, index, params):
    """A reader copies an example into a checklist: it must be an item the family takes, not a list of every
    parameter at once (two that exclude each other, one that needs another not shown)."""
    families.params_model(family).model_validate(params)


def test_the_skipped_list_is_exact():
    assert sorted(NOT_YET_DOCUMENTED) == sorted(set(families.BUILT) - set(DOCUMENTED))


def test_the_parser_reads_continued_examples_and_ignores_other_yaml():
    text = ("### `demo` — x\n```yaml\nsystems:\n  a: {}\n```\n```yaml\nparams:\n  one: 1\n---\n  two: 2\n```\n"
            "### `bare` — no example\ntext\n")
    assert documented_params(text) == {"demo": {"one", "two"}}


def test_an_empty_default_is_made_fresh_for_each_item_not_deep_copied():
    """`= []` and `= {}` in a family's Params become factories (see StrictParams): same values, no copy."""
    model = families.params_model("schema")
    one, two = model.model_validate({"table": "t"}), model.model_validate({"table": "u"})
    assert one.columns == [] and two.columns == [] and one.columns is not two.columns
    assert model.model_fields["columns"].default_factory is list
    assert model.model_fields["types"].default_factory is dict


def test_the_roles_fixed_search_path_weighs_are_given_with_it_as_documented():
    """The comment of `fixed_search_path:` names the fields whose roles it distrusts: each is one an item with
    `functions_in` and `fixed_search_path` may hold (the engine refuses a field its subject does not judge)."""
    text = DOCS.read_text(encoding="utf-8")
    comment = re.search(r"^  fixed_search_path: true +#(.*?)^  [a-z_]+:", text, flags=re.MULTILINE | re.DOTALL)
    assert comment, "docs/checklists.md: no comment of fixed_search_path"
    named = sorted(set(re.findall(r"\b(no_grants_to|no_write_grants_to|grants_to)\b", comment.group(1))))
    assert named, comment.group(1)
    model = families.params_model("schema")
    for field in named:
        model.model_validate({"functions_in": "public", "fixed_search_path": True, field: ["anon"]})
