"""Every tie rule gets the same checks: subclass RuleContract and name the rule."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from alignsim.model.rules import RULES, make_rule

PARAMS = {"learning_rate": 0.3, "steepness": 2.0, "form_threshold": 0.2, "break_threshold": 0.05}
unit = st.floats(-1, 1, allow_nan=False)


def symmetric(values: np.ndarray) -> np.ndarray:
    upper = np.triu(values, 1)
    return upper + upper.T


class RuleContract:
    name: str

    @pytest.fixture
    def rule(self):
        return make_rule(self.name)

    def test_positive_payoff_pulls_up(self, rule):
        assert rule.update(np.array([0.0]), np.array([1.0]), PARAMS)[0] > 0

    def test_one_sided_hostility_pulls_down(self, rule):
        assert rule.update(np.array([0.0]), np.array([-1.0]), PARAMS)[0] < 0


class TestRelax(RuleContract):
    name = "relax"

    def test_fixed_point(self):
        m = np.array([0.3])
        target = np.tanh(PARAMS["steepness"] * m)
        assert make_rule("relax").update(target, m, PARAMS) == pytest.approx(target)


class TestThreshold(RuleContract):
    name = "threshold"

    def test_hysteresis(self):
        rule = make_rule("threshold")
        between = np.array([0.1])  # break < 0.1 < form
        assert rule.update(np.array([1.0]), between, PARAMS)[0] == 1.0
        assert rule.update(np.array([0.0]), between, PARAMS)[0] == 0.0
        assert rule.update(np.array([1.0]), np.array([0.0]), PARAMS)[0] == 0.0


@pytest.mark.parametrize("name", sorted(RULES))
@given(arrays(float, (6, 6), elements=unit), arrays(float, (6, 6), elements=st.floats(-5, 5)))
def test_bounded_and_symmetric(name, ties, m):
    rule = make_rule(name)
    ties, m = symmetric(ties), symmetric(m)
    new = rule.update(ties, m, PARAMS)
    assert np.all(new >= -1.0) and np.all(new <= 1.0)
    np.testing.assert_array_equal(new, new.T)


@pytest.mark.parametrize("name", sorted(RULES))
@given(arrays(float, (8,), elements=unit), arrays(float, (8,), elements=st.floats(-5, 5)))
def test_elementwise(name, ties, m):
    """The same rule updates a matrix, a row, or one pair alike."""
    rule = make_rule(name)
    whole = rule.update(ties, m, PARAMS)
    single = [rule.update(ties[i : i + 1], m[i : i + 1], PARAMS)[0] for i in range(8)]
    np.testing.assert_array_equal(whole, np.array(single))


def test_every_rule_has_a_contract_test():
    assert {cls.name for cls in RuleContract.__subclasses__()} == set(RULES)
