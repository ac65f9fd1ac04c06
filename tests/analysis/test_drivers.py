"""Drivers of level crossings: shares of the move that add up to it, true to the tie rule."""

from __future__ import annotations

import numpy as np
import pytest
from benchmarks.random_scenarios import random_scenario
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alignsim.analysis.drivers import (
    EVENT,
    RELAXATION,
    Attribution,
    attribute,
    bands_of,
    describe,
    event_cause,
    is_crossing,
    reason,
    share_by_parts,
    split_move,
)
from alignsim.analysis.explain import explanation_from
from alignsim.analysis.summary import KIND_WORDS
from alignsim.io.run_folder import events_table
from alignsim.model.metrics import LevelBands
from alignsim.model.model import AlignmentModel
from alignsim.model.simulate import simulate
from tests.conftest import ROOT

#: Words of KIND_WORDS that say a tie went up.
UP_WORDS = ("became partners", "reached alliance", "stopped being hostile", "stopped being rivals")
BANDS = LevelBands(-0.6, -0.2, 0.2, 0.6)


def drivers_items(text: str) -> dict[str, float]:
    items = dict(item.split("=") for item in text.split("; "))
    return {name: float(value) for name, value in items.items()}


def check_crossings(result) -> int:
    """Every level crossing of a run: its shares add up to its move, in its direction, in the
    Attribution, in events.csv's text and in the sentence; returns how many were checked."""
    frame = events_table(result)
    bands = bands_of(result.scenario)
    checked = 0
    for row in frame.to_dict(orient="records"):
        if not is_crossing(row["kind"]):
            assert row["drivers"] == ""
            continue
        row = {k: (None if v is None or (isinstance(v, float) and np.isnan(v)) else v)
               for k, v in row.items()}  # fmt: skip
        attribution = attribute(row, result.part_names)
        move = row["strength_after"] - row["strength_before"]
        rising = row["kind"] in {"formed", "alliance", "rivalry_ended", "hostility_ended"}
        assert (move > 0) == rising, row
        total = sum(attribution.shares.values())
        assert total == pytest.approx(move, rel=1e-9, abs=1e-12)
        assert np.sign(total) == np.sign(move)
        items = drivers_items(row["drivers"])
        written = sum(v for k, v in items.items() if k != "sustained")
        assert np.sign(written) == np.sign(move), row["drivers"]
        assert written == pytest.approx(move, rel=1e-3, abs=1e-9)
        if attribution.cause is None and EVENT not in attribution.shares:
            assert items["sustained"] == pytest.approx(row["sustained"], rel=1e-3, abs=1e-9)
            for name, share in attribution.shares.items():
                if name in result.part_names and abs(share) > 1e-12:
                    # a part's share has the sign of its change since the reference
                    assert np.sign(share) == np.sign(attribution.changes[name])
        words = KIND_WORDS[row["kind"]]
        assert words.startswith(UP_WORDS) == rising
        text = describe(row, result.part_names, result.dates.__getitem__, bands)
        assert ("its payoff fell" not in text) if rising else ("its payoff rose" not in text)
        if text.startswith(("relaxing", "moving")):
            start, toward = (float(x.replace("−", "-")) for x in
                             text.split(" from ")[1].split(",")[0].split(" toward "))  # fmt: skip
            assert (toward > start) == rising or toward == start, text
        checked += 1
    return checked


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**16),
    n_states=st.integers(3, 9),
    rule=st.sampled_from(["relax", "threshold"]),
    activation=st.sampled_from(["random", "simultaneous"]),
    noise=st.sampled_from([0.0, 0.05, 0.3]),
)
def test_every_crossing_is_explained_in_its_direction(seed, n_states, rule, activation, noise):
    scenario = random_scenario(seed, n_states, 3, steps=25, noise=noise, rule=rule,
                               activation=activation, stochastic=True)  # fmt: skip
    check_crossings(simulate(scenario, seed=seed))


@pytest.mark.parametrize("seed", range(20))
def test_flagship_crossings_over_twenty_seeds(flagship, seed):
    assert check_crossings(simulate(flagship, seed=seed)) > 20


@pytest.mark.parametrize("rule", ["relax", "threshold"])
@pytest.mark.parametrize("activation", ["random", "simultaneous"])
def test_reference_is_the_step_the_tie_entered_its_level(flagship, rule, activation):
    """The model measures each crossing against the step of the pair's previous crossing (by
    the rule or by an event), or the start; the reference's parts are that crossing's M."""
    scenario = flagship.model_copy(deep=True)
    scenario.params.rule, scenario.params.activation = rule, activation
    result = simulate(scenario, seed=4)
    previous: dict[str, dict] = {}  # the row of the pair's latest change of level
    checked = 0
    for row in result.recorder.events:
        if not is_crossing(row["kind"]):
            continue
        before = previous.get(row["subject"])
        by_rule = row.get("payoff_ab.total") is not None
        same_revision = before is not None and before["step"] == row["step"]
        if by_rule and same_revision and before.get("payoff_ab.total") is not None:
            continue  # the same revision crossed two boundaries: one row each
        if by_rule:
            assert row["reference_step"] == (0 if before is None else before["step"])
            if before is not None and before.get("payoff_ab.total") is not None:
                side = "payoff_ab" if before["payoff_ab.total"] <= before["payoff_ba.total"] else (
                    "payoff_ba")  # fmt: skip
                for part in result.part_names:
                    assert row[f"reference.{part}"] == before[f"{side}.{part}"]
                checked += 1
        previous[row["subject"]] = row
    assert checked > 0


def test_start_reference_is_the_noiseless_payoff(flagship):
    model = AlignmentModel(flagship, rng=7, collect=False)
    parts = model.payoffs.noiseless()
    i, j = model.world.index["India"], model.world.index["Russia"]
    a, b = sorted((i, j))
    totals = parts.sum(axis=0)
    side = parts[:, a, b] if totals[a, b] <= totals[b, a] else parts[:, b, a]
    np.testing.assert_array_equal(model._reference[a, b], side)
    assert side[model.payoffs.names.index("noise")] == 0.0


def test_flagship_seed_7_russia_india_fall_reads_as_relaxation(flagship):
    result = simulate(flagship, seed=7, trace=[("Russia", "India")])
    explanation = explanation_from(result, "Russia", "India")
    fall = next(s for s in explanation.sentences if "fell below alliance level" in s)
    assert "relaxing from +0.60 toward +0." in fall, fall
    assert "which its payoff of +0." in fall and "sustains" in fall


# -- the arithmetic, by hand ---------------------------------------------------------------------
def test_split_move_by_hand():
    """Relax with η = 0.2: a tie at 0.60 whose payoff sustained 0.57 at the reference and
    sustains 0.48 now moves 0.2·(0.48 − 0.60) = −0.024: −0.006 relaxation toward 0.57, and
    −0.018 because the payoff fell, shared 3:1 by a part that fell by 0.09 and one by 0.03."""
    relaxation, parts, rule = split_move(
        np.array([0.60]), np.array([0.576]), np.array([0.48]), np.array([0.57]),
        np.array([[-0.09, -0.03, 0.0]]),
    )  # fmt: skip
    assert relaxation[0] == pytest.approx(-0.006)
    np.testing.assert_allclose(parts[0], [-0.0135, -0.0045, 0.0])
    assert rule[0] == 0.0


def test_split_move_threshold_rule_jump():
    """Threshold: the tie jumps to what the payoff sustains (λ = 1); a tie that the rule set at
    the reference was already there, so the whole jump is the payoff's change."""
    relaxation, parts, _rule = split_move(
        np.array([1.0]), np.array([0.0]), np.array([0.0]), np.array([1.0]),
        np.array([[-0.2, 0.05]]),
    )  # fmt: skip
    assert relaxation[0] == 0.0
    np.testing.assert_allclose(parts[0], [-1.0 * -0.2 / -0.15, -1.0 * 0.05 / -0.15])
    assert parts[0].sum() == pytest.approx(-1.0)


def test_split_move_when_only_the_rule_changed():
    relaxation, parts, rule = split_move(
        np.array([0.3]), np.array([0.25]), np.array([0.05]), np.array([0.3]), np.zeros((1, 2))
    )
    assert relaxation[0] == 0.0 and not parts.any() and rule[0] == pytest.approx(-0.05)


def test_share_by_parts_ignores_rounding_balances():
    shares = share_by_parts(np.array([1e-17]), np.array([[0.1, -0.1]]))
    assert not shares.any()


def attribution(**fields) -> Attribution:
    base = dict(subject="A–B", kind="alliance_ended", step=5, before=0.62, after=0.59,
                payoff=0.30, sustained=0.47, reference_step=0, reference_payoff=0.31,
                reference_sustained=0.48)  # fmt: skip
    base.update(fields)
    return Attribution(**base)


def test_reason_names_relaxation_and_the_noise_that_pushed_it_across():
    a = attribution(shares={RELAXATION: -0.028, "noise": -0.002}, changes={"noise": -0.01})
    text = reason(a, lambda s: f"step {s}", BANDS)
    assert text.startswith("relaxing from +0.62 toward +0.47, which its payoff of +0.30 sustains")
    assert "it was already above the +0.48 its payoff sustained at the start" in text
    assert "noise pushed it across" not in text  # 0.59 + 0.002 is still below 0.6
    a = attribution(after=0.598, shares={RELAXATION: -0.017, "noise": -0.005},
                    changes={"noise": -0.02})  # fmt: skip
    assert "noise pushed it across (without it, it would have stayed alliance)" in reason(
        a, lambda s: f"step {s}", BANDS
    )


def test_reason_names_the_parts_that_fell_for_a_fall():
    a = attribution(reference_step=12, reference_payoff=0.55, reference_sustained=0.50,
                    before=0.61, after=0.55,
                    shares={RELAXATION: -0.02, "interest.energy": -0.05, "balance": 0.01},
                    changes={"interest.energy": -0.2, "balance": 0.04})  # fmt: skip
    text = reason(a, lambda s: "2017-Q1", BANDS)
    assert "its payoff fell from +0.55 in 2017-Q1 (energy −0.20)" in text
    assert "balance" not in text  # it rose: it held the tie up, it did not pull it down
    assert text.index("its payoff fell") < text.index("it was already above")


def test_event_crossing_reads_as_the_event():
    a = Attribution(subject="A–B", kind="hostile", step=1, before=-0.3, after=-0.6,
                    shares={EVENT: -0.3}, cause="crimea")  # fmt: skip
    assert reason(a, str, BANDS) == "set by the event crimea"


def test_a_crossing_made_by_a_state_entering_reads_as_its_entry():
    a = Attribution(subject="ALG–FRA", kind="neutral", step=13, before=-1.0, after=0.0,
                    shares={EVENT: 1.0}, cause="ALG enters")  # fmt: skip
    assert reason(a, str, BANDS) == "set when ALG enters the world"
    assert event_cause({"cause": "ALB leaves"}) == ", set when ALB leaves the world"
    assert event_cause({"cause": "crimea"}) == ", set by the event crimea"
    assert event_cause({"cause": float("nan")}) == ""


def test_odd_worked_example_is_what_the_flagship_gives(flagship):
    """docs/ODD.md §7.7 quotes the drivers cell and the sentence of seed 7's Russia–India fall."""
    odd = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
    odd = " ".join(odd.split())
    result = simulate(flagship, seed=7, trace=[("Russia", "India")])
    frame = events_table(result)
    row = frame[(frame["subject"] == "Russia–India") & (frame["kind"] == "alliance_ended")].iloc[0]
    assert row["date"] == "2014-Q2"
    assert f"The `drivers` cell reads `{row['drivers']}`" in odd
    sentence = next(
        s for s in explanation_from(result, "Russia", "India").sentences if "2014-Q2" in s
    )
    assert f'the sentence "{sentence}"' in odd
