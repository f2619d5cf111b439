"""A parameter that is accepted is judged: for every family and every field of its `Params`, a case
finds facts where changing that field changes the outcome, or shows the field is rejected."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from opsverify import families
from opsverify.checklist import load_item_params
from opsverify.engine import gather_and_judge

from .fields import cases_for
from .fields.kinds import Flips, Live, Rejected, Shows
from .kit import make_check

EVERY_FIELD = [(name, field) for name in sorted(families.BUILT)
               for field in families.params_model(name).model_fields]


def _judge(family: str, params: dict, facts):
    check = make_check(family, params)
    module = families.get(family)
    return module.judge(check, facts(check) if callable(facts) else facts)


@pytest.mark.parametrize("family, field", EVERY_FIELD, ids=[f"{f}.{x}" for f, x in EVERY_FIELD])
def test_every_field_is_judged(family, field, request):
    case = cases_for(family).get(field)
    assert case is not None, f"tests/fields/{family}.py has no case for Params.{field}"
    if isinstance(case, Rejected):
        with pytest.raises((ValidationError, ValueError), match=case.match or None):
            load_item_params(family, case.params, mutating=case.mutating)
        return
    assert case.base != case.changed
    if isinstance(case, Flips):
        before, after = _judge(family, case.base, case.facts), _judge(family, case.changed, case.facts)
        assert before.status is not after.status, (before, after)
    elif isinstance(case, Shows):
        before, after = _judge(family, case.base, case.facts), _judge(family, case.changed, case.facts)
        assert before.evidence.get(case.key) != after.evidence.get(case.key), (before, after)
    elif isinstance(case, Live):
        target = request.getfixturevalue(case.target)
        module = families.get(family)
        outcomes = [gather_and_judge(target, module, [make_check(family, p, mutating=case.mutating)])[0]
                    for p in (case.base, case.changed)]
        assert outcomes[0].status is not outcomes[1].status, outcomes
    else:  # pragma: no cover
        raise AssertionError(f"unknown case kind {case!r}")


def test_no_case_names_a_field_that_does_not_exist():
    stray = {f"{name}.{field}" for name in families.BUILT for field in cases_for(name)
             if field not in families.params_model(name).model_fields}
    assert stray == set()
