"""The proper scores on hand-made predictions: the values docs/calibration.md gives."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alignsim.calibrate.loss import (
    brier,
    level_distribution,
    loss,
    observations_from_table,
    rps,
    scores,
    sign_distribution,
)
from alignsim.scenario.observed import LEVELS


def one_hot(index: int, size: int) -> np.ndarray:
    out = np.zeros(size)
    out[index] = 1.0
    return out


def table(*rows: tuple[str, str, int]) -> pd.DataFrame:
    """Observations as an observed history's table has them: kind, level, sign."""
    return pd.DataFrame(rows, columns=["kind", "level", "sign"])


def test_a_sure_right_prediction_scores_zero_under_both_rules() -> None:
    for k in range(6):
        assert rps(one_hot(k, 6)[None], np.array([k]))[0] == 0
        assert brier(one_hot(k, 6)[None], np.array([k]))[0] == 0


def test_rps_of_sure_predictions_grows_with_the_distance_on_the_scale() -> None:
    observed = np.array([4])  # alliance
    values = [rps(one_hot(k, 6)[None], observed)[0] for k in range(5)]
    assert values == pytest.approx([4 / 5, 3 / 5, 2 / 5, 1 / 5, 0])


def test_documented_values() -> None:
    # a sure sign one step off: 1/2; a uniform prediction of the three signs, observed 0: 1/9
    assert rps(one_hot(2, 3)[None], np.array([1]))[0] == pytest.approx(0.5)
    assert rps(np.full((1, 3), 1 / 3), np.array([1]))[0] == pytest.approx(1 / 9)
    # Brier: sure and wrong 2; uniform over three signs 2/3 whichever happened
    assert brier(one_hot(0, 3)[None], np.array([2]))[0] == pytest.approx(2)
    assert brier(np.full((1, 3), 1 / 3), np.array([0]))[0] == pytest.approx(2 / 3)


def test_brier_ignores_the_order_that_rps_reads() -> None:
    near, far = one_hot(3, 6)[None], one_hot(0, 6)[None]  # partner, hostile
    observed = np.array([4])  # alliance
    assert brier(near, observed)[0] == brier(far, observed)[0] == 2
    assert rps(near, observed)[0] < rps(far, observed)[0]


def test_each_observation_is_scored_on_its_own_scale() -> None:
    observations = observations_from_table(
        table(("sign", "", 1), ("level", "partner", 1), ("strength", "alliance", 1))
    )
    predicted = np.zeros((3, 6))
    predicted[0, LEVELS.index("alliance")] = 1  # the sign +1: right
    predicted[1, LEVELS.index("alliance")] = 1  # partner observed: one level off
    predicted[2, LEVELS.index("formal_alliance")] = 1  # a strength's band: alliance
    assert scores(predicted, observations, "rps") == pytest.approx([0, 1 / 5, 0])
    assert scores(predicted, observations, "brier") == pytest.approx([0, 0, 0])
    assert loss(predicted, observations, "rps") == pytest.approx(1 / 15)


def test_distributions_from_runs() -> None:
    codes = np.array([[0, 3], [1, 3], [1, 4], [1, 5]])  # 4 runs × 2 observations
    levels = level_distribution(codes)
    assert levels[0, :2] == pytest.approx([0.25, 0.75])
    assert levels[1, 3:] == pytest.approx([0.5, 0.25, 0.25])
    assert levels.sum(axis=1) == pytest.approx([1, 1])
    assert sign_distribution(levels) == pytest.approx(np.array([[1, 0, 0], [0, 0, 1]]))


def test_the_model_codes_levels_in_the_order_of_observed_histories() -> None:
    """Runs are read as the recorder's level codes and scored as indices into the observed
    levels: the two orders must be one."""
    from alignsim.model.metrics import LEVELS as MODEL_LEVELS
    from alignsim.scenario.observed import LEVELS as OBSERVED_LEVELS

    assert MODEL_LEVELS == OBSERVED_LEVELS
