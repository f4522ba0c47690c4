"""Every case of the table, evaluated by RuleSet directly."""

from __future__ import annotations

import pytest

from .cases import CASES
from .support import Case


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case(case: Case) -> None:
    decision = case.run()
    assert decision.allowed is case.allowed, "\n".join(decision.trace)
    assert decision.trace and all(isinstance(line, str) for line in decision.trace)


def test_case_names_are_unique() -> None:
    names = [c.name for c in CASES]
    assert len(names) == len(set(names))
