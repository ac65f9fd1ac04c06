"""Design points: grid order, ranges, sampled designs, determinism, --set text."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alignsim.scenario import load_scenario
from alignsim.sweep import Sweep, design_points, load_sweep, load_sweep_text, overrides_for

DATA = Path(__file__).parent / "data"


def sweep_of(design: str, parameters: str, seed: int = 0) -> Sweep:
    text = f"scenario: base.yaml\nseed: {seed}\ndesign: {design}\nparameters:\n{parameters}"
    return load_sweep_text(text, "s.yaml", DATA)


RANGES = (
    "  params.balance_weight: {low: 0.1, high: 0.9}\n"
    "  states.Russia.interests.opposition_to_us: {low: -0.5, high: 1.0}\n"
    "  events.1.at: {low: 2, high: 20}\n"
)


def test_grid_is_the_cartesian_product_first_parameter_slowest():
    points = design_points(load_sweep(DATA / "good.yaml"))
    assert len(points) == 3 * 4 * 3
    assert list(points.columns) == [
        "point",
        "params.balance_weight",
        "states.Russia.interests.opposition_to_us",
        "events.druzhba.at",
    ]
    assert points["point"].tolist() == list(range(36))
    assert points["params.balance_weight"].tolist() == [0.2] * 12 + [0.5] * 12 + [0.8] * 12
    rng = np.linspace(0.3, 1.0, 4)
    assert points["states.Russia.interests.opposition_to_us"].tolist()[:12:3] == rng.tolist()
    assert points["events.druzhba.at"].tolist()[:4] == ["2015-01", "2016-09", "2018-01", "2015-01"]
    combos = points.drop(columns="point").apply(tuple, axis=1)
    assert combos.is_unique


def test_grid_ranges_on_whole_numbers_are_rounded_ints():
    sweep = sweep_of("{method: grid}", "  events.1.at: {low: 2, high: 8, num: 4}\n")
    points = design_points(sweep)
    assert points["events.1.at"].tolist() == [2, 4, 6, 8]
    assert points["events.1.at"].dtype == np.int64
    assert overrides_for(sweep, points.iloc[1]) == ["events.1.at=4"]


def test_random_stays_in_ranges_and_picks_list_values():
    sweep = sweep_of(
        "{method: random, samples: 200}",
        "  params.balance_weight: {low: 0.2, high: 0.4}\n  events.1.at: [2015-01, 2016-09]\n",
    )
    points = design_points(sweep)
    assert len(points) == 200
    weights = points["params.balance_weight"]
    assert weights.between(0.2, 0.4).all() and weights.nunique() == 200
    assert set(points["events.1.at"]) == {"2015-01", "2016-09"}


@pytest.mark.parametrize(
    "design",
    [
        "{method: random, samples: 7}",
        "{method: lhs, samples: 7}",
        "{method: sobol, samples: 8}",
        "{method: morris, samples: 3}",
    ],
)
def test_sampled_designs_are_deterministic_given_the_seed(design: str):
    first = design_points(sweep_of(design, RANGES, seed=3))
    again = design_points(sweep_of(design, RANGES, seed=3))
    other = design_points(sweep_of(design, RANGES, seed=4))
    pd.testing.assert_frame_equal(first, again)
    assert not first.equals(other)
    assert first["events.1.at"].dtype == np.int64
    assert first["events.1.at"].between(2, 20).all()
    assert first["params.balance_weight"].between(0.1, 0.9).all()


def test_lhs_puts_one_point_in_each_stratum_of_every_range():
    n = 10
    sweep = sweep_of(
        f"{{method: lhs, samples: {n}}}",
        "  params.balance_weight: {low: 0.0, high: 1.0}\n"
        "  params.noise: {low: 0.1, high: 0.3}\n"
        "  events.1.at: [2015-01, 2016-09]\n",
        seed=11,
    )
    points = design_points(sweep)
    assert len(points) == n
    for column, low, high in [("params.balance_weight", 0.0, 1.0), ("params.noise", 0.1, 0.3)]:
        strata = np.floor((points[column] - low) / (high - low) * n).astype(int)
        assert sorted(strata) == list(range(n))
    # a list of two values is split into two strata of five points each
    assert points["events.1.at"].value_counts().to_dict() == {"2015-01": 5, "2016-09": 5}


@pytest.mark.parametrize("n", [4, 8, 16])
def test_sobol_gives_n_times_d_plus_2_points(n: int):
    sweep = sweep_of(f"{{method: sobol, samples: {n}}}", RANGES)
    points = design_points(sweep)
    assert len(points) == n * (3 + 2)
    assert points["point"].tolist() == list(range(n * 5))


@pytest.mark.parametrize(("n", "levels"), [(2, 4), (5, 6)])
def test_morris_gives_n_times_d_plus_1_points_on_the_levels(n: int, levels: int):
    sweep = sweep_of(f"{{method: morris, samples: {n}, levels: {levels}}}", RANGES)
    points = design_points(sweep)
    assert len(points) == n * (3 + 1)
    grid = 0.1 + np.arange(levels) / (levels - 1) * 0.8
    assert np.isin(points["params.balance_weight"].round(12), grid.round(12)).all()


def test_morris_levels_default_to_4():
    sweep = sweep_of("{method: morris, samples: 2}", RANGES)
    assert sweep.design.levels == 4


def test_overrides_read_back_as_the_design_values():
    sweep = sweep_of(
        "{method: lhs, samples: 6}",
        "  params.balance_weight: {low: 0.1, high: 0.9}\n"
        "  events.druzhba.at: {low: 2, high: 20}\n"
        "  events.0.at: [2014-02, 2014-04-15]\n",
        seed=2,
    )
    points = design_points(sweep)
    for row in points.to_dict("records"):
        overrides = overrides_for(sweep, row)
        assert [o.split("=", 1)[0] for o in overrides] == list(sweep.parameters)
        scenario = load_scenario(DATA / "base.yaml", overrides=overrides)
        assert scenario.params.balance_weight == row["params.balance_weight"]
        assert scenario.events[1].at == row["events.druzhba.at"]
        assert scenario.events[0].at == row["events.0.at"]


def test_overrides_from_iterrows_rows_keep_ints_and_repr_floats():
    sweep = sweep_of(
        "{method: grid}",
        "  params.balance_weight: {low: 0.1, high: 0.9, num: 3}\n  events.1.at: [10, 12]\n",
    )
    _, row = next(design_points(sweep).iterrows())  # iterrows turns ints into floats
    assert overrides_for(sweep, row) == ["params.balance_weight=0.1", "events.1.at=10"]
    row = {"params.balance_weight": np.float64(0.30000000000000004), "events.1.at": np.int64(12)}
    assert overrides_for(sweep, row) == [
        "params.balance_weight=0.30000000000000004",
        "events.1.at=12",
    ]
