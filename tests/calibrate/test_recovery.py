"""Parameter recovery, small: histories the model made with known values, calibrated back.

The full study (ten cases, larger populations) is benchmarks/recovery.py's, in
docs/calibration.md; this runs its code on the same world (data/recovery.yaml) for two
cases with a small population, each search run until its acceptance rate falls below 10%
(or for 14 generations); each calibration reads its posterior at the self loss
(alignsim.calibrate.noise_floor), as every calibration does. It took 47 to 53 s (ten runs
in a row, with nothing else running on the two cores).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
import pytest
from benchmarks.recovery import WORLD, recover, truths

from alignsim.calibrate.synthetic import RECOVERY_RANGES, synthetic_history
from alignsim.scenario import load_scenario

from .conftest import SMALL

pytestmark = pytest.mark.slow

#: The small version's settings: the study's stopping rule, fewer particles and runs.
SMALL_STUDY = argparse.Namespace(
    replications=6, population=30, generations=14, min_acceptance_rate=0.1, workers=2
)
SHORT, LONG = 6, 24


def test_the_history_is_the_levels_of_a_run_with_the_true_values() -> None:
    scenario = load_scenario(SMALL)
    truth = {"params.balance_weight": 0.5, "params.interest_weight": 1.0,
             "params.learning_rate": 0.2}  # fmt: skip
    history = synthetic_history(scenario, truth, 7, steps=range(2, 13, 2))
    text = (SMALL.parent / "small_observed.csv").read_text()
    assert history.csv_text().replace("\r\n", "\n") in text  # the shipped history is one


def test_the_recovery_world_keeps_moving_through_the_long_history() -> None:
    """Levels change in every year of the history, not only while the ties first settle
    (in every year at least a third as often as in the first): the later steps are what
    the longer history adds. (In data/small.yaml its third year has 0.28 of the first's.)"""
    scenario = load_scenario(WORLD)
    changes = pd.Series(0, index=range(2, LONG + 1))
    for case, truth in enumerate(truths(10, seed=2026)):
        table = synthetic_history(scenario, truth, 1000 + case, steps=range(1, LONG + 1)).table
        levels = table.pivot_table(index="step", columns=["source", "target"], values="level",
                                   aggfunc="first")  # fmt: skip
        changes += (levels != levels.shift()).sum(axis=1).loc[2:]
    per_year = changes.groupby((changes.index - 1) // 4).sum()
    assert (per_year >= per_year.iloc[0] / 3).all(), per_year


def test_true_values_are_recovered_and_intervals_narrow_with_a_longer_history(
    tmp_path: Path,
) -> None:
    rows = [
        recover(tmp_path, case, truth, steps, SMALL_STUDY)
        for case, truth in enumerate(truths(2, seed=2026))
        for steps in (SHORT, LONG)
    ]
    table = pd.concat(rows, ignore_index=True)  # parameters.csv, read at the self loss
    assert (table["generation"] <= table["generations"] - 1).all()
    assert set(table["parameter"]) == set(RECOVERY_RANGES)
    assert table["inside"].sum() >= 10, table  # of 12 intervals, each nominally 90%
    span = table["parameter"].map({p: hi - lo for p, (lo, hi) in RECOVERY_RANGES.items()})
    share = (table["width"] / span).groupby(table["steps"]).mean()  # of the prior range
    assert share[LONG] < 0.8 * share[SHORT], table
