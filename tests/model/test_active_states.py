"""States that enter and leave the world (``states.X.active``): ties, noise, metrics, blocs."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from benchmarks.naive import NaiveModel
from benchmarks.random_scenarios import random_document
from hypothesis import given, settings
from hypothesis import strategies as st

from alignsim.model import AlignmentModel, simulate
from alignsim.model.blocs import frustration
from alignsim.model.metrics import LEVELS, balance_ratio, counts_per_level, polarization
from alignsim.model.prepared import PreparedScenario
from alignsim.scenario import Scenario

STEPS = 12


def document(activation: str = "simultaneous", noise: float = 0.1, **options) -> dict:
    """Nine states; S2 enters at step 3, S3 is out for steps 5–7, S8 leaves after step 8.

    The random document's tie events name S0 and S1, which stay in the world throughout.
    """
    doc = random_document(4, 9, 3, steps=STEPS, activation=activation, noise=noise,
                          power_weight=0.4, stochastic=True, **options)  # fmt: skip
    doc["states"]["S2"]["active"] = {"from": 3}
    doc["states"]["S3"]["active"] = [{"until": 4}, {"from": 8}]
    doc["states"]["S8"]["active"] = {"until": 8}
    doc["relations"].append({"between": ["S2", "S5"], "value": 0.7})
    return doc


#: The steps at which each state with periods is in the world.
PRESENT = {"S2": range(3, STEPS + 1), "S3": [*range(5), *range(8, STEPS + 1)], "S8": range(9)}


def scenario(doc: dict) -> Scenario:
    return Scenario.model_validate(doc)


def present(names: list[str], step: int) -> np.ndarray:
    return np.array([name not in PRESENT or step in PRESENT[name] for name in names])


def stepped(doc: dict, **options):
    """The model's tie matrix after each step 0..STEPS."""
    model = AlignmentModel(scenario(doc), collect=False, **options)
    ties = [model.world.ties.copy()]
    for _ in range(STEPS):
        model.step()
        ties.append(model.world.ties.copy())
    return model, ties


@pytest.mark.parametrize("activation", ["random", "simultaneous"])
@pytest.mark.parametrize("compiled", [True, False])
def test_an_inactive_state_holds_no_ties(activation, compiled):
    model, ties = stepped(document(activation), compiled=compiled)
    for step, matrix in enumerate(ties):
        out = ~present(model.world.names, step)
        assert np.all(matrix[out] == 0.0) and np.all(matrix[:, out] == 0.0), step
        inside = matrix[np.ix_(~out, ~out)]
        if step:  # after the first revision, every pair in the world has a tie
            assert np.count_nonzero(inside) == inside.size - inside.shape[0]


@pytest.mark.parametrize("activation", ["random", "simultaneous"])
def test_the_compiled_step_does_what_the_numpy_code_does(activation):
    _, fast = stepped(document(activation))
    _, slow = stepped(document(activation), compiled=False)
    np.testing.assert_allclose(np.array(fast), np.array(slow), rtol=0, atol=1e-12)


def test_a_state_enters_from_its_initial_ties_and_leaves_to_zero():
    doc = document(noise=0.0)
    doc["ties"] = [{"between": ["S2", "S4"], "value": -0.5}]  # initial ties, not relations
    model = AlignmentModel(scenario(doc), collect=False)
    index = model.world.index
    s2, s4, s3 = index["S2"], index["S4"], index["S3"]
    for _ in range(2):
        model.step()
    assert not model.world.ties[s2].any()
    before = model.world.ties.copy()
    model.step()  # step 3: S2 enters with T(S2, S4) = -0.5, then the rule revises it once
    eta, kappa = model.world.params["learning_rate"], model.world.params["steepness"]
    m = min(model._payoff[s2, s4], model._payoff[s4, s2])
    assert model.world.ties[s2, s4] == pytest.approx(-0.5 + eta * (np.tanh(kappa * m) + 0.5))
    assert (
        np.count_nonzero(model.world.ties[s2])
        == np.count_nonzero(present(model.world.names, 3)) - 1
    )
    assert before[s3].any()
    model.step()
    model.step()  # step 5: S3 leaves
    assert not model.world.ties[s3].any()


def test_entering_and_leaving_are_logged_with_the_crossings_they_cause():
    events = simulate(scenario(document())).events_frame()
    moves = events[events["kind"].isin(["enters", "leaves"])]
    assert list(zip(moves["step"], moves["kind"], moves["subject"], strict=True)) == [
        (3, "enters", "S2"), (5, "leaves", "S3"), (8, "enters", "S3"), (9, "leaves", "S8"),
    ]  # fmt: skip
    caused = events[events["cause"].isin(["S2 enters", "S3 leaves", "S3 enters", "S8 leaves"])]
    assert set(caused["step"]) <= {3, 5, 8, 9}
    assert (caused.loc[caused["cause"] == "S3 leaves", "strength_after"] == 0.0).all()
    assert caused["subject"].str.contains("S2").any()  # S2–S5 starts at partner level


@pytest.mark.parametrize("activation", ["random", "simultaneous"])
def test_the_noise_of_a_pair_does_not_depend_on_who_else_is_there(activation):
    """Common random numbers: every state's draws are taken, used or not. Without balance and
    power (the parts through which third states act), the pairs of states there throughout
    follow the same path whoever else comes and goes."""
    doc = document(activation, noise=0.3)
    doc["params"].update(balance_weight=0.0, power_weight=0.0)
    doc["events"] = [e for e in doc["events"] if "param" not in e]  # it raises balance_weight
    always = copy.deepcopy(doc)
    for name in PRESENT:
        del always["states"][name]["active"]
    (model, moving), (_, fixed) = stepped(doc), stepped(always)
    there = ~np.isin(model.world.names, list(PRESENT))
    for a, b in zip(moving, fixed, strict=True):
        np.testing.assert_array_equal(a[np.ix_(there, there)], b[np.ix_(there, there)])


@pytest.mark.parametrize("norm", ["paths", "mean"])
def test_a_state_out_all_run_leaves_the_others_as_a_world_without_it(norm):
    """Without noise (whose draws follow the number of states), a state that is never there
    changes nothing: not through balance, nor through the largest power it would hold."""
    doc = random_document(9, 7, 3, steps=STEPS, balance_norm=norm, power_weight=0.5)
    doc["states"]["S6"]["power"] = 50.0  # the strongest, were it there
    without = copy.deepcopy(doc)
    del without["states"]["S6"]
    without["relations"] = [r for r in doc["relations"] if "S6" not in r["between"]]
    doc["states"]["S6"]["active"] = {"from": STEPS + 1}
    _, ties = stepped(doc)
    _, reference = stepped(without)
    for a, b in zip(ties, reference, strict=True):
        np.testing.assert_allclose(a[:6, :6], b, rtol=0, atol=1e-12)
        assert not a[6].any()


@pytest.mark.parametrize("activation", ["random", "simultaneous"])
def test_the_naive_reference_agrees(activation):
    doc = document(activation, balance_norm="mean")
    engine, naive = AlignmentModel(scenario(doc), collect=False), NaiveModel(scenario(doc))
    for _ in range(STEPS):
        engine.step()
        naive.step()
        np.testing.assert_allclose(naive.tie_matrix(), engine.world.ties, rtol=0, atol=1e-9)


def test_a_prepared_scenario_runs_as_the_plain_one():
    doc = document("random")
    plain = simulate(scenario(doc), seed=5)
    prepared = PreparedScenario(scenario(doc))
    for _ in range(2):  # the second run shares the first one's static payoffs
        again = simulate(prepared, seed=5)
        assert again.ties_frame().equals(plain.ties_frame())
        assert again.metrics_frame().equals(plain.metrics_frame())


def test_active_throughout_is_a_run_without_active():
    doc = document()
    for name in PRESENT:
        doc["states"][name]["active"] = {}
    plain = copy.deepcopy(doc)
    for name in PRESENT:
        del plain["states"][name]["active"]
    a, b = simulate(scenario(doc)), simulate(scenario(plain))
    for frame in ("ties_frame", "states_frame", "metrics_frame", "events_frame"):
        assert getattr(a, frame)().equals(getattr(b, frame)())


# -- metrics, blocs and watched outcomes ----------------------------------------------------
def loose_thresholds(doc: dict) -> dict:
    """Thresholds under which a tie of 0 is at partner level: an absent state's zero ties
    would count as friendships if the metrics did not leave it out."""
    doc["params"]["thresholds"] = {"hostile": -0.7, "rival": -0.4, "partner": -0.1,
                                   "alliance": 0.5}  # fmt: skip
    doc["watch"] = {"pairs": [["S0", "S2"]], "triangles": [["S0", "S1", "S3"]]}
    return doc


@pytest.mark.parametrize("doc", [document(), loose_thresholds(document("random"))])
def test_metrics_describe_the_states_in_the_world(doc):
    result = simulate(scenario(doc))
    t = result.scenario.params.thresholds
    metrics = result.metrics_frame()
    for step in range(STEPS + 1):
        there = present(result.names, step)
        ties = result.tie_matrix(step)[np.ix_(there, there)]
        blocs = result.recorder.bloc[step]
        assert not blocs[~there].any()
        row = metrics.iloc[step]
        ratio, triads = balance_ratio(ties, t.rival, t.partner)
        assert (row["balance_ratio"], row["closed_triads"]) == (pytest.approx(ratio), triads)
        levels = result.recorder.level[step]
        upper = np.triu_indices(len(result.names), 1)
        inside = there[upper[0]] & there[upper[1]]
        counts = counts_per_level(levels[inside])
        assert [row[f"count.{name}"] for name in LEVELS] == list(counts.values())
        assert row["mean_strength"] == pytest.approx(ties[np.triu_indices(len(ties), 1)].mean())
        assert row["polarization"] == pytest.approx(polarization(ties, blocs[there]))
        assert row["frustration"] == pytest.approx(frustration(ties, blocs[there]))
        assert row["unaligned"] == np.count_nonzero(blocs[there] == 0)
        assert row["blocs"] == len(set(blocs[there]) - {0})


def test_watched_outcomes_of_an_absent_state():
    """A watched pair with a state out of the world reads 0 (the tie it holds), and a watched
    triangle with one is not formed, even where a tie of 0 would be a partnership."""
    result = simulate(scenario(loose_thresholds(document())))
    metrics = result.metrics_frame()
    s0_s2 = metrics["watch.S0-S2.strength"]
    assert (s0_s2[:3] == 0.0).all() and (s0_s2[3:] != 0.0).all()
    formed = metrics["watch.S0-S1-S3.formed"]
    assert not formed[5:8].any()
    assert result.levels("S0", "S2")[:3] == ["partner"] * 3  # what a tie of 0 reads as here


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(3, 10),
    activation=st.sampled_from(["random", "simultaneous"]),
    rule=st.sampled_from(["relax", "threshold"]),
    data=st.data(),
)
def test_invariants_over_random_periods(seed, n, activation, rule, data):
    """Ties symmetric, in [-1, 1], zero diagonal, zero for absent states, at every step."""
    steps = 8
    doc = random_document(seed, n, 2, steps=steps, activation=activation, rule=rule, noise=0.2,
                          stochastic=True)  # fmt: skip
    periods = {}
    for name in list(doc["states"])[2:]:  # S0 and S1 are named by tie events
        cuts = sorted(data.draw(st.lists(st.integers(0, steps + 1), min_size=0, max_size=4,
                                         unique=True)))  # fmt: skip
        if len(cuts) % 2:
            cuts.append(steps + 2)
        if cuts:
            periods[name] = [(a, b - 1) for a, b in zip(cuts[::2], cuts[1::2], strict=True)]
            doc["states"][name]["active"] = [{"from": a, "until": b} for a, b in periods[name]]
    model = AlignmentModel(scenario(doc), collect=False)
    for step in range(steps + 1):
        if step:
            model.step()
        ties = model.world.ties
        np.testing.assert_array_equal(ties, ties.T)
        assert np.all(np.diag(ties) == 0.0)
        assert np.all((ties >= -1.0) & (ties <= 1.0))
        for name, spans in periods.items():
            if not any(a <= step <= b for a, b in spans):
                assert not ties[model.world.index[name]].any(), (name, step)
