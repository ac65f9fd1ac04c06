"""Proper scores of a predicted distribution against what was observed.

A prediction is a probability for each of the model's six tie levels, one row per
observation; it may come from the model's runs (:func:`level_distribution`) or from anything
else that predicts levels (a baseline), and is scored the same way. Each observation is
scored on its own scale: a sign on the three ordered signs, a level on the six ordered levels,
a strength by the level band it falls in (docs/calibration.md, "The loss").

* ``rps`` (the default): the ranked probability score, normalised by the number of
  categories less one so that it lies in [0, 1] on every scale. It is proper and it reads the
  order of the categories: predicting *partner* when *alliance* happened costs less than
  predicting *hostile*.
* ``brier``: the Brier score (Σ_k (p_k − o_k)², in [0, 2]) of every observation read as
  its sign.

A perfect prediction (probability 1 on what happened) scores 0 under both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from alignsim.scenario.observed import LEVELS, SIGN_OF_LEVEL

Rule = Literal["rps", "brier"]
RULES: tuple[str, ...] = ("rps", "brier")
DEFAULT_RULE: Rule = "rps"
#: The three signs, in order: an observation's sign is category sign + 1.
SIGNS: tuple[int, ...] = (-1, 0, 1)
#: Scales an observation is scored on (``Observations.scale``).
SIGN_SCALE, LEVEL_SCALE, STRENGTH_SCALE = 0, 1, 2
_SCALE_OF_KIND = {"sign": SIGN_SCALE, "level": LEVEL_SCALE, "strength": STRENGTH_SCALE}
_LEVEL_INDEX = {name: i for i, name in enumerate(LEVELS)}
_ALLIANCE, _FORMAL = _LEVEL_INDEX["alliance"], _LEVEL_INDEX["formal_alliance"]
#: Level index → sign category (0, 1, 2 for −1, 0, +1).
SIGN_CATEGORY = np.array([SIGN_OF_LEVEL[name] + 1 for name in LEVELS])
#: Level index → strength band (a strength has no formal alliance band: it counts as alliance).
STRENGTH_BAND = np.minimum(np.arange(len(LEVELS)), _ALLIANCE)


@dataclass(frozen=True)
class Observations:
    """What was observed, as the scores read it: one entry per observation."""

    scale: NDArray[np.int64]
    """``SIGN_SCALE``, ``LEVEL_SCALE`` or ``STRENGTH_SCALE``."""
    level: NDArray[np.int64]
    """Index into ``LEVELS``; −1 for a sign (a sign says no level)."""
    sign: NDArray[np.int64]
    """Sign category: 0, 1, 2 for −1, 0, +1."""

    def __len__(self) -> int:
        return int(self.scale.size)

    def subset(self, mask: NDArray[np.bool_]) -> Observations:
        return Observations(self.scale[mask], self.level[mask], self.sign[mask])


def observations_from_table(table: object) -> Observations:
    """The observations of an observed history's table (``kind``, ``level``, ``sign``)."""
    kinds = [str(k) for k in table["kind"]]  # type: ignore[index]
    levels = [str(v) for v in table["level"]]  # type: ignore[index]
    signs = np.asarray(table["sign"], dtype=np.int64)  # type: ignore[index]
    scale = np.array([_SCALE_OF_KIND[k] for k in kinds], dtype=np.int64)
    level = np.array(
        [_LEVEL_INDEX[v] if k != "sign" else -1 for k, v in zip(kinds, levels, strict=True)],
        dtype=np.int64,
    )
    return Observations(scale, level, signs + 1)


def level_distribution(codes: NDArray[np.integer]) -> NDArray[np.float64]:
    """Share of runs at each level, per observation, from level codes (runs × observations)."""
    codes = np.asarray(codes)
    runs, count = codes.shape
    out = np.zeros((count, len(LEVELS)))
    for level in range(len(LEVELS)):
        out[:, level] = (codes == level).sum(axis=0)
    return out / max(runs, 1)


def sign_distribution(levels: NDArray[np.floating]) -> NDArray[np.float64]:
    """Probabilities of the three signs from probabilities of the six levels."""
    out = np.zeros((levels.shape[0], len(SIGNS)))
    for level, category in enumerate(SIGN_CATEGORY):
        out[:, category] += levels[:, level]
    return out


def rps(predicted: NDArray[np.floating], observed: NDArray[np.integer]) -> NDArray[np.float64]:
    """Ranked probability score of each row of ``predicted`` (K ordered categories) against
    the category index ``observed``: Σ_{k<K} (F_k − O_k)² / (K − 1), with F and O cumulative.
    0 for a sure, right prediction; 1 for a sure prediction at the far end of the scale."""
    predicted = np.asarray(predicted, dtype=float)
    categories = predicted.shape[1]
    cumulative = np.cumsum(predicted, axis=1)[:, :-1]
    outcome = (np.arange(categories - 1)[None, :] >= np.asarray(observed)[:, None]).astype(float)
    return ((cumulative - outcome) ** 2).sum(axis=1) / (categories - 1)


def brier(predicted: NDArray[np.floating], observed: NDArray[np.integer]) -> NDArray[np.float64]:
    """Brier score of each row of ``predicted`` against the category index ``observed``:
    Σ_k (p_k − o_k)², 0 for a sure, right prediction and 2 for a sure, wrong one."""
    predicted = np.asarray(predicted, dtype=float)
    outcome = np.zeros_like(predicted)
    outcome[np.arange(predicted.shape[0]), np.asarray(observed)] = 1.0
    return ((predicted - outcome) ** 2).sum(axis=1)


def scores(levels: NDArray[np.floating], observations: Observations, rule: Rule) -> NDArray:
    """The score of each observation, given predicted level probabilities (observations × 6).

    ``rps``: a sign on the three signs, a level on the six levels, a strength on the five
    bands of strength (a strength never gives a formal alliance, so the predicted chance of
    one counts as alliance). ``brier``: every observation on the three signs.
    """
    levels = np.asarray(levels, dtype=float)
    signs = sign_distribution(levels)
    if rule == "brier":
        return brier(signs, observations.sign)
    out = np.empty(len(observations))
    is_sign = observations.scale == SIGN_SCALE
    out[is_sign] = rps(signs[is_sign], observations.sign[is_sign])
    is_level = observations.scale == LEVEL_SCALE
    out[is_level] = rps(levels[is_level], observations.level[is_level])
    is_strength = observations.scale == STRENGTH_SCALE
    bands = levels[is_strength][:, :_FORMAL].copy()
    bands[:, _ALLIANCE] += levels[is_strength][:, _FORMAL]
    out[is_strength] = rps(bands, observations.level[is_strength])
    return out


def loss(levels: NDArray[np.floating], observations: Observations, rule: Rule) -> float:
    """The mean score over the observations (the calibration's distance)."""
    if len(observations) == 0:
        return float("nan")
    return float(np.mean(scores(levels, observations, rule)))
