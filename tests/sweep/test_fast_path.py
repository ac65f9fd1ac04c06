"""A sweep's runs record only what its outcomes read; their outcomes equal full runs', bit for bit.

A sweep runs each scenario from a ``PreparedScenario`` (one world built, static payoffs shared
between runs) with the thin recording of ``recording_for``: no event log, the watched ties
only, every step only when an outcome needs it, blocs only when an outcome reads them.
"""

from __future__ import annotations

import numpy as np
import pytest
from benchmarks.random_scenarios import random_scenario
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alignsim.model import simulate
from alignsim.model.prepared import PreparedScenario
from alignsim.model.recorder import ThinnedRecordingError
from alignsim.scenario import load_scenario
from alignsim.sweep.outcomes import (
    DEFAULT_OUTCOMES,
    OUTCOMES,
    outcome_columns,
    recording_for,
)
from tests.sweep.conftest import FLAGSHIP

ALL = tuple(OUTCOMES)
#: Outcome lists that give different recordings: every step and blocs, every step without
#: blocs, the last step only, and the last step with blocs.
SELECTIONS = [
    ALL,
    DEFAULT_OUTCOMES,
    ("first_triangle_step", "final_strength"),
    ("final_strength", "final_level", "triangle_formed", "balance_ratio"),
    ("bloc_of",),
]


def assert_fast_equals_full(scenario, seeds, steps=None, selections=SELECTIONS):
    prepared = PreparedScenario(scenario)
    steps = scenario.steps if steps is None else steps
    for seed in seeds:
        full = simulate(scenario, seed=seed, steps=steps)
        for names in selections:
            fast = simulate(prepared, seed=seed, steps=steps, **recording_for(names, steps))
            assert outcome_columns(fast, names) == outcome_columns(full, names), (seed, names)


def test_recording_follows_what_the_outcomes_read():
    assert recording_for(["final_strength"], 48) == {
        "record": "watched", "record_every": 48, "log": False, "blocs": False,
    }  # fmt: skip
    assert recording_for(["first_triangle_step"], 48)["record_every"] == 1
    bloc = recording_for(["bloc_of"], 48)
    assert bloc["blocs"] and bloc["record_every"] == 1  # the search starts from the last step's
    assert recording_for(["final_strength"], 0)["record_every"] == 1


@pytest.mark.parametrize("activation", ["random", "simultaneous"])
def test_flagship_outcomes_equal_full_runs(activation):
    scenario = load_scenario(FLAGSHIP)
    scenario.params.activation = activation
    assert_fast_equals_full(scenario, seeds=range(12))


@pytest.mark.parametrize("activation", ["random", "simultaneous"])
@pytest.mark.parametrize("socialization", [0.0, 0.2])
def test_random_twelve_state_outcomes_equal_full_runs(activation, socialization):
    scenario = random_scenario(
        3, 12, 4, steps=20, noise=0.05, activation=activation, socialization=socialization,
        power_weight=0.3, stochastic=True,
    )  # fmt: skip
    assert_fast_equals_full(scenario, seeds=range(6))


@pytest.mark.parametrize("activation", ["random", "simultaneous"])
def test_random_two_hundred_state_outcomes_equal_full_runs(activation):
    scenario = random_scenario(
        5, 200, 4, steps=8, noise=0.05, activation=activation, stochastic=True
    )
    assert_fast_equals_full(scenario, seeds=[1, 2], selections=[ALL, ("final_strength",)])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**16),
    n_states=st.integers(3, 14),
    activation=st.sampled_from(["random", "simultaneous"]),
    noise=st.sampled_from([0.0, 0.05, 0.3]),
    socialization=st.sampled_from([0.0, 0.3]),
)
def test_random_scenarios_outcomes_equal_full_runs(
    seed, n_states, activation, noise, socialization
):
    scenario = random_scenario(
        seed, n_states, 3, steps=12, activation=activation, noise=noise,
        socialization=socialization, power_weight=0.3, stochastic=True,
    )  # fmt: skip
    assert_fast_equals_full(scenario, seeds=[seed, seed + 1], selections=[ALL, ("final_level",)])


def test_runs_sharing_static_payoffs_equal_runs_alone():
    """Every table of a run from a prepared scenario (its static payoffs shared with the runs
    before it) equals the run of the scenario itself."""
    scenario = load_scenario(FLAGSHIP)
    prepared = PreparedScenario(scenario)
    for seed in range(8):
        alone, shared = simulate(scenario, seed=seed), simulate(prepared, seed=seed)
        for table in ("ties_frame", "states_frame", "metrics_frame", "events_frame"):
            left, right = getattr(alone, table)(), getattr(shared, table)()
            assert left.equals(right), (seed, table)
    assert len(prepared.static) > 1  # the runs put the totals of their histories there


def test_socialization_shares_no_static_payoffs():
    """Socialization moves stances at every step: the static payoffs then depend on the ties,
    and a run computes its own (it still equals the run alone)."""
    scenario = random_scenario(2, 8, 3, steps=10, socialization=0.3, noise=0.05)
    prepared = PreparedScenario(scenario)
    alone, shared = simulate(scenario, seed=4), simulate(prepared, seed=4)
    assert np.array_equal(alone.recorder.strength, shared.recorder.strength)
    # shared: the start, and the events of step 1, which come before its socialization
    events = alone.events_frame()
    fired = events[(events.kind == "scenario") & (events.step == 1)]
    first = [int(label.split(".")[1]) for label in fired.subject]
    histories = {tuple(first[:k]) for k in range(len(first) + 1)}
    assert set(prepared.static._known) <= histories


def test_a_run_without_blocs_says_so_when_asked_for_them():
    fast = simulate(load_scenario(FLAGSHIP), seed=1, steps=5, blocs=False, log=False)
    assert fast.recorder.events.__len__() == 0
    with pytest.raises(ThinnedRecordingError, match="polarization needs the blocs"):
        fast.metric("polarization")
    assert fast.metric("balance_ratio").shape == (6,)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    balance=st.floats(0.0, 2.0),
    interest=st.floats(0.0, 2.0),
    share=st.floats(0.0, 1.0),
    partner=st.floats(0.1, 0.7),
    noise=st.sampled_from([0.0, 0.05]),
)
def test_points_that_change_parameters_equal_the_scenario_validated_whole(
    balance, interest, share, partner, noise
):
    """A point that only changes parameters reuses the base's world; its scenario and its
    runs equal those of the whole document validated with the overrides."""
    from alignsim.scenario import Scenario, apply_overrides
    from alignsim.sweep import tasks

    scenario = load_scenario(FLAGSHIP)
    context = tasks.SweepContext(
        base_document=scenario.model_dump(mode="json", by_alias=True, exclude_none=True),
        steps=12, outcomes=ALL, parameters=(), parameter_kinds={}, outcome_kinds={},
        key="test-parameters", recording=recording_for(ALL, 12),
    )  # fmt: skip
    overrides = [f"params.balance_weight={balance!r}", f"params.interest_weight={interest!r}",
                 f"params.planned_boost_share={share!r}", f"params.noise={noise!r}",
                 f"params.thresholds.partner={partner!r}"]  # fmt: skip
    whole = apply_overrides(context.base_document, overrides)
    try:
        expected = Scenario.model_validate(whole)
    except ValueError:  # e.g. partner above alliance: the whole validation says why
        assert tasks._with_parameters(context.base_document, context.key, overrides) is None
        return
    fast = tasks._with_parameters(context.base_document, context.key, overrides)
    assert fast is not None and fast.scenario == expected
    for seed in (1, 2):
        got = simulate(fast, seed=seed, steps=12)
        want = simulate(expected, seed=seed, steps=12)
        assert np.array_equal(got.recorder.strength, want.recorder.strength)
        assert got.events_frame().equals(want.events_frame())


def test_a_bad_parameter_value_fails_with_the_whole_validations_words(tmp_path):
    from alignsim.sweep import tasks

    scenario = load_scenario(FLAGSHIP)
    context = tasks.SweepContext(
        base_document=scenario.model_dump(mode="json", by_alias=True, exclude_none=True),
        steps=3, outcomes=("final_strength",), parameters=(), parameter_kinds={},
        outcome_kinds={"final_strength.Russia-Pakistan": "float"}, key="test-bad",
        recording=recording_for(("final_strength",), 3),
    )  # fmt: skip
    bad = ("params.noise=-1.0",)
    assert tasks._with_parameters(context.base_document, context.key, bad) is None
    row = tasks.run_task(tasks.Task(0, 0, 1, bad, {}), context)
    assert row["status"] == tasks.STATUS_FAILED
    assert "validation error for Scenario" in row["error"] and "params.noise" in row["error"]


def test_a_sweeps_rows_equal_full_runs_of_the_scenario_validated_whole(tmp_path, make_sweep):
    """The whole path: batches, prepared points (parameters only, and an event's date) and
    thin recording give the rows that full runs of each point's scenario give."""
    from alignsim.scenario import Scenario, apply_overrides
    from alignsim.sweep import design_points, load_sweep, run
    from alignsim.sweep.tasks import iter_tasks, make_context

    parameters = (
        "  params.balance_weight: [0.2, 0.8]\n  events.druzhba_2016.at: [2016-09, 2018-03]\n"
    )
    path = make_sweep(tmp_path, steps=10, replications=3, parameters=parameters)
    rows = run(path, out=tmp_path / "out", workers=1, batch=4, progress=False)
    sweep = load_sweep(path)
    design = design_points(sweep)
    context = make_context(sweep, design)
    for task in iter_tasks(sweep, design, context):
        scenario = Scenario.model_validate(
            apply_overrides(context.base_document, list(task.overrides))
        )
        full = outcome_columns(simulate(scenario, seed=task.seed, steps=10), context.outcomes)
        row = rows[(rows.point == task.point) & (rows.replication == task.replication)]
        assert len(row) == 1
        for column, value in full.items():
            assert row[column].iloc[0] == value, (task, column)


def test_a_random_static_term_draws_the_same_with_or_without_the_log():
    """A modeler's static term that draws random numbers draws them from the run's generator,
    whether the run keeps its event log or not."""
    from alignsim.model.payoffs import REGISTRY, PayoffTerm, register
    from alignsim.scenario import Scenario

    @register
    class Drawn(PayoffTerm):
        name = "drawn_static_test_only"
        random = True

        def parts(self, world, rng):
            out = rng.normal(0.0, 0.3, size=(world.n, world.n))
            np.fill_diagonal(out, 0.0)
            return out[None]

    document = {
        "name": "drawn", "steps": 6,
        "dimensions": {"d": {"kind": "shared"}},
        "states": {s: {"power": 1.0, "interests": {"d": v}}
                   for s, v in (("A", 0.5), ("B", -0.2), ("C", 0.1))},
    }  # fmt: skip
    try:
        scenario = Scenario.model_validate(document)
        logged, thin = simulate(scenario, seed=3), simulate(scenario, seed=3, log=False)
        assert np.array_equal(logged.recorder.strength, thin.recorder.strength)
    finally:
        del REGISTRY["drawn_static_test_only"]
