"""Properties every run keeps, whatever the scenario: hypothesis explores random worlds."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alignsim.model import AlignmentModel, simulate
from tests.conftest import random_document, scenario_from

worlds = st.builds(
    random_document,
    seed=st.integers(0, 10_000),
    n_states=st.integers(2, 9),
    n_dims=st.integers(1, 4),
    noise=st.sampled_from([0.0, 0.05, 0.3]),
    activation=st.sampled_from(["random", "simultaneous"]),
    rule=st.sampled_from(["relax", "threshold"]),
    steps=st.integers(1, 8),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds)
def test_ties_symmetric_bounded_zero_diagonal(doc):
    model = AlignmentModel(scenario_from(doc), collect=False)
    for _ in range(doc["steps"]):
        model.step()
        ties = model.world.ties
        np.testing.assert_array_equal(ties, ties.T)
        assert np.all(np.diag(ties) == 0.0)
        assert np.all((ties >= -1.0) & (ties <= 1.0))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds)
def test_recorded_parts_sum_to_recorded_payoff(doc):
    result = simulate(scenario_from(doc))
    events = result.events_frame()
    crossings = events[events["payoff_ab.total"].notna()]
    for side in ("payoff_ab", "payoff_ba"):
        parts = crossings[[f"{side}.{p}" for p in result.part_names]].sum(axis=1)
        np.testing.assert_allclose(parts, crossings[f"{side}.total"], atol=1e-12, rtol=0)


@settings(max_examples=15, deadline=None)
@given(worlds)
def test_tables_have_no_nan_outside_unused_parts(doc):
    result = simulate(scenario_from(doc))
    for frame in (result.ties_frame(), result.states_frame(), result.metrics_frame()):
        assert not frame.isna().any().any()


def test_same_seed_same_run_other_seed_differs():
    doc = random_document(7, 6, 3, noise=0.1)
    a = simulate(scenario_from(doc), seed=1)
    b = simulate(scenario_from(doc), seed=1)
    c = simulate(scenario_from(doc), seed=2)
    assert a.ties_frame().equals(b.ties_frame())
    assert not a.ties_frame().equals(c.ties_frame())


def test_noise_off_simultaneous_is_seed_independent():
    doc = random_document(8, 6, 3, noise=0.0, activation="simultaneous")
    doc["events"] = [e for e in doc["events"] if "from" not in e]
    a = simulate(scenario_from(doc), seed=1).ties_frame()
    b = simulate(scenario_from(doc), seed=99).ties_frame()
    assert a.equals(b)


def test_events_change_the_world_at_their_step():
    doc = random_document(9, 4, 2, noise=0.0)
    doc["events"] = [{"at": 3, "note": "cut", "tie": {"between": ["S0", "S1"], "set": -1.0}}]
    model = AlignmentModel(scenario_from(doc), collect=False)
    for _ in range(2):
        model.step()
    assert model.world.ties[0, 1] != -1.0
    model.step()  # the event applies before the revision at step 3
    assert model.world.ties[0, 1] < -0.5
    kinds = [e["kind"] for e in model.recorder.events]
    assert "scenario" in kinds


def test_socialization_moves_shared_stances_toward_partners():
    doc = random_document(10, 3, 2, noise=0.0)
    doc["events"] = []
    doc["params"]["socialization"] = 0.5
    doc["states"]["S0"]["interests"]["d0"] = -1.0
    doc["states"]["S1"]["interests"]["d0"] = 1.0
    doc["relations"] = [{"between": ["S0", "S1"], "value": 1.0}]
    model = AlignmentModel(scenario_from(doc), collect=False)
    before = model.world.stances.copy()
    model.step()
    assert model.world.stances[0, 0] > before[0, 0]
    np.testing.assert_array_equal(model.world.stances[:, 1], before[:, 1])  # complementary kept


def test_corridor_status_changes_interest():
    doc = random_document(11, 4, 2, noise=0.0)
    model = AlignmentModel(scenario_from(doc), collect=False)
    planned = model.world.corridor_factor().copy()
    model.world.corridors["route"].status = "active"
    model.world.corridors_changed()
    active = model.world.corridor_factor()
    assert active[1, 0, 1] > planned[1, 0, 1] > 1.0
    model.world.corridors["route"].status = "blocked"
    model.world.corridors_changed()
    assert model.world.corridor_factor()[1, 0, 1] == 1.0


def two_states(**params):
    doc = random_document(12, 2, 1, noise=0.0)
    doc["events"] = []
    doc["relations"] = [{"between": ["S0", "S1"], "value": 0.5}]
    doc["params"].update(params)
    return scenario_from(doc)


def test_random_and_simultaneous_revise_each_tie_once_per_step():
    a = simulate(two_states(activation="random"), steps=3).strength("S0", "S1")
    b = simulate(two_states(activation="simultaneous"), steps=3).strength("S0", "S1")
    np.testing.assert_allclose(a, b, atol=1e-15)


def test_formal_alliance_after_the_given_number_of_steps():
    doc = random_document(13, 2, 1, noise=0.0)
    doc["events"] = []
    doc["ties"] = [{"between": ["S0", "S1"], "value": 0.9}]
    doc["relations"] = [{"between": ["S0", "S1"], "value": 1.0}]
    doc["params"].update(history_weight=3.0, alliance_after=3)
    result = simulate(scenario_from(doc), steps=5)
    assert result.levels("S0", "S1") == ["alliance"] * 2 + ["formal_alliance"] * 4
    formal = [e for e in result.recorder.events if e["kind"] == "formal_alliance"]
    assert [e["step"] for e in formal] == [2]


def test_param_event_on_planned_share_changes_corridor_factor():
    doc = random_document(11, 4, 2, noise=0.0)
    doc["events"] = [{"at": 1, "note": "hope", "param": {"set": {"planned_boost_share": 1.0}}}]
    model = AlignmentModel(scenario_from(doc), collect=False)
    before = model.world.corridor_factor()[1, 0, 1]
    model.step()
    assert model.world.corridor_factor()[1, 0, 1] > before


def test_event_draws_do_not_disturb_noise_or_other_events():
    """A stochastic event that never fires leaves every other random draw as it was."""
    doc = random_document(14, 5, 2, noise=0.2)
    base = simulate(scenario_from(doc), seed=3)
    doc["events"].append({"id": "never", "from": 1, "to": doc["steps"], "probability": 0.0,
                          "note": "never fires", "shift": {"S0": {"d0": 1.0}}})  # fmt: skip
    extra = simulate(scenario_from(doc), seed=3)
    assert base.ties_frame().equals(extra.ties_frame())
