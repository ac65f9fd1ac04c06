"""Parameter recovery, small: histories the model made with known values, calibrated back.

The full table (ten cases, larger populations) is benchmarks/recovery.py's, in
docs/calibration.md; this runs its code on two cases with a small population and few
generations, which takes well under a minute on two cores.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
import pytest
from benchmarks.recovery import recover, truths

from alignsim.calibrate.synthetic import RECOVERY_RANGES, synthetic_history
from alignsim.scenario import load_scenario

from .conftest import SMALL

pytestmark = pytest.mark.slow


def test_the_history_is_the_levels_of_a_run_with_the_true_values() -> None:
    scenario = load_scenario(SMALL)
    truth = {"params.balance_weight": 0.5, "params.interest_weight": 1.0,
             "params.learning_rate": 0.2}  # fmt: skip
    history = synthetic_history(scenario, truth, 7, steps=range(2, 13, 2))
    text = (SMALL.parent / "small_observed.csv").read_text()
    assert history.csv_text().replace("\r\n", "\n") in text  # the shipped history is one


def test_true_values_are_recovered_and_intervals_narrow_with_a_longer_history(
    tmp_path: Path,
) -> None:
    args = argparse.Namespace(replications=6, population=40, generations=4, workers=2)
    rows = [
        recover(tmp_path, case, truth, steps, args)
        for case, truth in enumerate(truths(2, seed=2026))
        for steps in (4, 12)
    ]
    table = pd.concat(rows, ignore_index=True)
    assert set(table["parameter"]) == set(RECOVERY_RANGES)
    assert table["inside"].sum() >= 9, table  # of 12 intervals, each nominally 90%
    widths = table.groupby("steps")["width"].mean()
    assert widths[12] < widths[4], table
