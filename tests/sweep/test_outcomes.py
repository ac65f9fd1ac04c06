"""Outcome columns of one run of the flagship, checked against the run's own arrays."""

from __future__ import annotations

import numpy as np
import pytest

from alignsim.model import simulate
from alignsim.model.metrics import LEVELS
from alignsim.scenario import load_scenario
from alignsim.sweep import outcomes as oc
from alignsim.sweep.outcomes import (
    DEFAULT_OUTCOMES,
    OUTCOMES,
    bloc_leaders,
    outcome_columns,
    outcome_kinds,
)

TRIANGLE = "China-Russia-Pakistan"


@pytest.fixture(scope="module")
def result():
    from tests.sweep.conftest import FLAGSHIP

    return simulate(load_scenario(FLAGSHIP), seed=3, steps=12)


def test_columns_follow_the_kinds(result):
    row = outcome_columns(result, tuple(OUTCOMES))
    kinds = outcome_kinds(result.scenario, tuple(OUTCOMES))
    assert list(row) == list(kinds)
    types = {"binary": int, "int": int, "float": float, "category": str}
    for column, kind in kinds.items():
        assert isinstance(row[column], types[kind]), column
        if kind == "binary":
            assert row[column] in (0, 1)
        if kind == "float":
            assert np.isfinite(row[column])


def test_watched_items_name_the_columns(result):
    row = outcome_columns(result, DEFAULT_OUTCOMES)
    assert f"triangle_formed.{TRIANGLE}" in row
    assert f"triangle_alliance.{TRIANGLE}" in row
    assert f"first_triangle_step.{TRIANGLE}" in row
    # watched pairs first, then triangle sides not already watched (none here: all are)
    ties = [c.removeprefix("final_strength.") for c in row if c.startswith("final_strength.")]
    assert ties == ["Russia-Pakistan", "China-Pakistan", "United States-Pakistan",
                    "Russia-India", "China-Russia"]  # fmt: skip
    states = [c.removeprefix("bloc_of.") for c in row if c.startswith("bloc_of.")]
    assert states == ["Russia", "Pakistan", "China", "United States", "India"]


def test_values_match_the_run(result):
    row = outcome_columns(result, tuple(OUTCOMES))
    formed = result.metric(f"watch.{TRIANGLE}.formed")
    alliance = result.metric(f"watch.{TRIANGLE}.alliance")
    assert row[f"triangle_formed.{TRIANGLE}"] == int(formed[-1])
    assert row[f"triangle_alliance.{TRIANGLE}"] == int(alliance[-1])
    first = np.flatnonzero(formed >= 0.5)
    assert row[f"first_triangle_step.{TRIANGLE}"] == (int(first[0]) if first.size else -1)
    for a, b in [("Russia", "Pakistan"), ("China", "Russia")]:
        assert row[f"final_strength.{a}-{b}"] == result.strength(a, b)[-1]
        assert row[f"final_level.{a}-{b}"] == result.levels(a, b)[-1]
        assert row[f"final_level.{a}-{b}"] in LEVELS
    assert row["balance_ratio"] == result.metric("balance_ratio")[-1]
    assert row["polarization"] == result.metric("polarization")[-1]
    assert row["blocs"] == int(result.metric("blocs")[-1])


def test_bloc_of_is_the_most_powerful_member(result):
    row = outcome_columns(result, ("bloc_of",))
    blocs, power = result.recorder.bloc[result.steps], result.recorder.power[result.steps]
    for state in ("Pakistan", "Russia", "India"):
        i = result.names.index(state)
        members = [j for j in range(len(result.names)) if blocs[j] == blocs[i]]
        leader = result.names[max(members, key=lambda j: (power[j], -j))]
        assert row[f"bloc_of.{state}"] == leader
    # in the flagship's first years Pakistan sits in China's camp
    assert row["bloc_of.Pakistan"] == "China"


def test_unaligned_and_never_formed(result):
    step = result.steps
    pakistan = result.names.index("Pakistan")
    saved_bloc = result.recorder.bloc[step].copy()
    saved_formed = result.recorder.metrics[f"watch.{TRIANGLE}.formed"].copy()
    try:
        result.recorder.bloc[step, pakistan] = 0
        result.recorder.metrics[f"watch.{TRIANGLE}.formed"][:] = 0
        assert bloc_leaders(result)[pakistan] == oc.UNALIGNED
        row = outcome_columns(result, ("bloc_of", "first_triangle_step", "triangle_formed"))
        assert row["bloc_of.Pakistan"] == "unaligned"
        assert row[f"first_triangle_step.{TRIANGLE}"] == -1  # never: -1, not NaN
        assert row[f"triangle_formed.{TRIANGLE}"] == 0
    finally:
        result.recorder.bloc[step] = saved_bloc
        result.recorder.metrics[f"watch.{TRIANGLE}.formed"][:] = saved_formed


def test_unknown_outcome(result):
    with pytest.raises(KeyError, match="nonsense"):
        outcome_columns(result, ("nonsense",))


def test_defaults_agree_with_the_sweep_file_side():
    from alignsim.sweep.spec import known_outcomes

    known, defaults = known_outcomes()
    assert set(known) == set(OUTCOMES)
    assert tuple(defaults) == DEFAULT_OUTCOMES
