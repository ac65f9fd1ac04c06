"""Plain forecasts a calibrated model has to beat: persistence and base rates.

Both read only the training period (docs/calibration.md, "Skill against baselines"):

* **persistence**: each pair stays where it was last seen before the test period, all the
  probability on that level (on that sign, when the last observation is a sign: the sign's
  mass is spread over its levels as the base rates spread it). A pair never seen before
  the test period gets the base rates: persistence has nothing to carry on.
* **base rates**: each level's share of the training period's observations, pooled over
  all pairs (the climatology of the history), the same for every observation. A sign
  observation counts for its sign; the levels within a sign are shared out as the level
  and strength observations share them (evenly when there are none).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from alignsim.scenario.observed import LEVELS

from .loss import Observations, observations_from_table, sign_distribution
from .skill import NONE, SIGN_OF_CODE, Forecast, ScoredPeriod

PERSISTENCE, BASE_RATES = "persistence", "base rates"


def base_rates(observations: Observations) -> NDArray[np.float64]:
    """The probability of each of the six levels: each sign's share of ``observations``,
    shared out over the sign's levels as the observations with a level share it."""
    signs = np.bincount(observations.sign, minlength=3) / max(len(observations), 1)
    levels = np.bincount(observations.level[observations.level >= 0], minlength=len(LEVELS))
    out = np.zeros(len(LEVELS))
    for category, share in enumerate(signs):
        out += share * within_sign(levels.astype(float), category)
    return out


def within_sign(weights: NDArray[np.floating], category: int) -> NDArray[np.float64]:
    """``weights`` kept on the levels of sign ``category`` and normalised to 1; even over
    those levels when the weights there are all 0."""
    members = category == SIGN_OF_CODE
    kept = np.where(members, weights, 0.0)
    total = kept.sum()
    return kept / total if total > 0 else members / members.sum()


def training_rates(train: Any) -> NDArray[np.float64]:
    """The base rates of a training period's table."""
    return base_rates(observations_from_table(train))


def persistence_levels(period: ScoredPeriod, rates: NDArray[np.floating]) -> NDArray[np.float64]:
    """Observations × 6: the last level before the test period, sure; the last sign spread
    over its levels by ``rates``; ``rates`` for a pair not seen before."""
    out = np.tile(np.asarray(rates, dtype=float), (len(period.observations), 1))
    for k, (level, sign) in enumerate(zip(period.last_level, period.last_sign, strict=True)):
        if level != NONE:
            out[k] = np.eye(len(LEVELS))[level]
        elif sign != NONE:
            out[k] = within_sign(np.asarray(rates, dtype=float), int(sign))
    return out


def persistence(period: ScoredPeriod, rates: NDArray[np.floating]) -> Forecast:
    """Persistence: nothing changes, so every pair's chance of a sign change is 0."""
    return Forecast(PERSISTENCE, persistence_levels(period, rates), np.zeros(len(period.pairs)))


def base_rate_forecast(period: ScoredPeriod, rates: NDArray[np.floating]) -> Forecast:
    """Base rates at every observation. A pair's chance of a sign change is that of one
    observation or more off its last sign, the observations taken as independent draws:
    1 − p(last sign)^k over its k observations."""
    levels = np.tile(np.asarray(rates, dtype=float), (len(period.observations), 1))
    stay = sign_distribution(levels[:1])[0][period.pair_last_sign]
    change = 1.0 - stay**period.pair_observations
    return Forecast(BASE_RATES, levels, change)
