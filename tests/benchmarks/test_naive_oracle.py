"""The naive reference (benchmarks/naive.py) as a correctness oracle for the engine.

Two implementations of the same rules that share nothing but the validated scenario must
produce the same tie matrix at every step, to rounding.
"""

from __future__ import annotations

import numpy as np
import pytest
from benchmarks.naive import NaiveModel
from benchmarks.random_scenarios import random_scenario
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alignsim.model.model import AlignmentModel

TOLERANCE = 1e-9


def assert_same_ties(scenario, seed: int, steps: int) -> None:
    engine = AlignmentModel(scenario, rng=seed, steps=steps, collect=False)
    naive = NaiveModel(scenario, seed=seed)
    np.testing.assert_allclose(naive.tie_matrix(), engine.world.ties, rtol=0, atol=TOLERANCE)
    for step in range(1, steps + 1):
        engine.step()
        naive.step()
        difference = np.abs(np.array(naive.tie_matrix()) - engine.world.ties).max()
        assert difference <= TOLERANCE, f"step {step}: ties differ by {difference:.3g}"


def deterministic(scenario, activation: str = "simultaneous"):
    """The scenario with payoff noise off and only dated events."""
    out = scenario.model_copy(deep=True)
    out.params.noise = 0.0
    out.params.activation = activation
    out.events = [event for event in out.events if event.probability == 1.0]
    return out


def test_flagship_without_noise_simultaneous(flagship):
    scenario = deterministic(flagship)
    assert any(event.tie for event in scenario.events)  # dated events are applied
    assert_same_ties(scenario, seed=7, steps=flagship.steps)


@pytest.mark.parametrize("activation", ["random", "simultaneous"])
def test_flagship_as_shipped(flagship, activation):
    """With noise and stochastic events too: both draw from the same generators alike."""
    scenario = flagship.model_copy(deep=True)
    scenario.params.activation = activation
    assert scenario.params.noise > 0
    assert_same_ties(scenario, seed=3, steps=flagship.steps)


options = st.fixed_dictionaries(
    {
        "rule": st.sampled_from(["relax", "threshold"]),
        "balance_norm": st.sampled_from(["paths", "mean"]),
        "socialization": st.sampled_from([0.0, 0.3]),
        "power_weight": st.sampled_from([0.0, 0.4]),
    }
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**16),
    n_states=st.integers(1, 9),
    n_dims=st.integers(1, 4),
    options=options,
)
def test_random_scenarios_without_noise(seed, n_states, n_dims, options):
    scenario = random_scenario(seed, n_states, n_dims, steps=10, noise=0.0, **options)
    assert_same_ties(scenario, seed=seed, steps=10)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**16),
    n_states=st.integers(1, 9),
    activation=st.sampled_from(["random", "simultaneous"]),
    options=options,
)
def test_random_scenarios_with_noise_and_chance_events(seed, n_states, activation, options):
    scenario = random_scenario(
        seed, n_states, 3, steps=10, noise=0.1, activation=activation, stochastic=True, **options
    )
    assert_same_ties(scenario, seed=seed, steps=10)


def test_naive_records_every_pair_every_step(small_scenario):
    naive = NaiveModel(small_scenario, seed=1)
    for _ in range(3):
        naive.step()
    table = naive.datacollector.get_table_dataframe("ties")
    n = len(small_scenario.states)
    assert len(table) == 4 * n * (n - 1) // 2
    assert set(table["level"]) <= {"hostile", "rival", "neutral", "partner", "alliance",
                                   "formal_alliance"}  # fmt: skip
