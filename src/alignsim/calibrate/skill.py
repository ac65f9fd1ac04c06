"""Skill on the test period: how a forecast of the observed ties scores against what happened.

A forecast gives, for every observation of the test period, a probability for each of the
six tie levels, and for every pair a probability that its sign changes from the last one
seen before the test period (:class:`Forecast`). It may come from the model's runs
(:func:`runs_forecast`) or from a baseline (:mod:`.baselines`); every forecast is scored the
same way, on the test period only (docs/calibration.md, "Skill against baselines"):

* ``sign accuracy``: the share of observations whose most probable sign is the observed
  one; a tie between k signs counts 1/k when the observed sign is among them (the expected
  accuracy of breaking the tie at random);
* ``Brier``: the Brier score of the sign, ``RPS``: the ranked probability score on each
  observation's own scale (the loss module's :func:`~.loss.scores`);
* ``AUC``: how well the predicted chance of a sign change ranks the pairs whose sign did
  change above those whose sign did not (the Mann–Whitney statistic; ties count one half);
* ``sign accuracy (changed)`` and ``Brier (changed)``: the same, over the observations whose
  sign differs from the pair's last sign before the test period.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from alignsim.scenario.observed import LEVELS

from .loss import (
    SIGN_CATEGORY,
    Observations,
    level_distribution,
    observations_from_table,
    scores,
)
from .loss import sign_distribution as sign_probabilities

MODELS: tuple[str, ...] = ("persistence", "base rates", "balance only", "calibrated")
ACCURACY, BRIER, RPS, AUC = "sign accuracy", "Brier", "RPS", "AUC"
ACCURACY_CHANGED, BRIER_CHANGED = "sign accuracy (changed)", "Brier (changed)"
METRICS: tuple[str, ...] = (ACCURACY, BRIER, RPS, AUC, ACCURACY_CHANGED, BRIER_CHANGED)
#: Metrics where a larger value is better (the others are scores: smaller is better).
HIGHER_IS_BETTER = frozenset({ACCURACY, AUC, ACCURACY_CHANGED})
COLUMNS = ("model", "metric", "period", "value", "n")
SKILL = "skill.csv"
PERIOD = "test"
#: Probabilities closer than this are a tie (sums of shares of runs are not exact).
TIE = 1e-9
#: Level code → sign category (0, 1, 2 for −1, 0, +1).
SIGN_OF_CODE = SIGN_CATEGORY
NONE = -1


@dataclass(frozen=True)
class ScoredPeriod:
    """The test period's observations and what was seen of each pair before it."""

    table: Any
    """The test period's observations (an observed history's table)."""
    observations: Observations
    last_level: NDArray[np.int64]
    """Per observation: the level index of the pair's last value before the test period
    (``NONE`` when that value is a sign, or the pair was not seen)."""
    last_sign: NDArray[np.int64]
    """Per observation: the sign category of that value (``NONE``: the pair was not seen)."""
    pair: NDArray[np.int64]
    """Per observation: its index in ``pairs`` (``NONE``: the pair was not seen before)."""
    pairs: tuple[tuple[str, str], ...]
    """The pairs seen before the test period and observed in it (the AUC's pairs)."""

    @property
    def changed(self) -> NDArray[np.bool_]:
        """Per observation: its sign differs from the pair's last sign before the period."""
        return (self.last_sign != NONE) & (self.observations.sign != self.last_sign)

    @property
    def pair_changed(self) -> NDArray[np.bool_]:
        """Per pair: some observation of the test period changed its sign."""
        return self.any_per_pair(self.changed[None, :])[0]

    @property
    def pair_last_sign(self) -> NDArray[np.int64]:
        """Per pair: the sign category of its last value before the test period (the same at
        each of its observations)."""
        out = np.full(len(self.pairs), NONE, dtype=np.int64)
        seen = self.pair != NONE
        out[self.pair[seen]] = self.last_sign[seen]
        return out

    def any_per_pair(self, flags: NDArray[np.bool_]) -> NDArray[np.bool_]:
        """Rows × pairs: whether any of a pair's observations is flagged, row by row
        (``flags``: rows × observations), in one pass over the observations."""
        seen = self.pair != NONE
        counts = np.zeros((flags.shape[0], len(self.pairs)), dtype=np.int64)
        np.add.at(counts.T, self.pair[seen], flags[:, seen].T.astype(np.int64))
        return counts > 0

    @property
    def pair_observations(self) -> NDArray[np.int64]:
        """Per pair: how many times it is observed in the test period."""
        return np.bincount(self.pair[self.pair != NONE], minlength=len(self.pairs))


@dataclass(frozen=True)
class Forecast:
    """A model's forecast of the test period."""

    model: str
    levels: NDArray[np.float64]
    """Observations × 6: the probability of each level (``LEVELS``)."""
    change: NDArray[np.float64]
    """Per pair of :attr:`ScoredPeriod.pairs`: the probability that its sign changes."""


def last_values(train: Any, before: int) -> dict[tuple[str, str], tuple[int, int]]:
    """Each pair's last observation of ``train`` before step ``before``: (level index or
    ``NONE`` for a sign, sign category)."""
    seen = train[train["step"] < before].sort_values("step", kind="stable")
    observations = observations_from_table(seen)
    out: dict[tuple[str, str], tuple[int, int]] = {}
    for k, (source, target) in enumerate(zip(seen["source"], seen["target"], strict=True)):
        out[(str(source), str(target))] = (int(observations.level[k]), int(observations.sign[k]))
    return out


def scored_period(train: Any, test: Any, first: int) -> ScoredPeriod:
    """The test period (``test``, from step ``first``) and what ``train`` saw before it."""
    last = last_values(train, first)
    keys = [(str(s), str(t)) for s, t in zip(test["source"], test["target"], strict=True)]
    pairs = tuple(dict.fromkeys(key for key in keys if key in last))
    index = {pair: k for k, pair in enumerate(pairs)}
    return ScoredPeriod(
        table=test.reset_index(drop=True),
        observations=observations_from_table(test),
        last_level=np.array([last[k][0] if k in last else NONE for k in keys], dtype=np.int64),
        last_sign=np.array([last[k][1] if k in last else NONE for k in keys], dtype=np.int64),
        pair=np.array([index.get(k, NONE) for k in keys], dtype=np.int64),
        pairs=pairs,
    )


def runs_forecast(model: str, codes: NDArray[np.integer], period: ScoredPeriod) -> Forecast:
    """A forecast from runs: level codes, runs × test observations. A pair's chance of a
    change is the share of runs in which its sign differs from its last observed sign at
    one of its observations of the test period or more."""
    codes = np.asarray(codes)
    differs = SIGN_OF_CODE[codes] != period.last_sign[None, :]
    change = period.any_per_pair(differs).mean(axis=0)
    return Forecast(model, level_distribution(codes), change)


# --- the metrics ---------------------------------------------------------------------------


def sign_hits(levels: NDArray[np.floating], observations: Observations) -> NDArray[np.float64]:
    """Per observation: 1 when the most probable sign is the observed one, 0 when it is not,
    1/k when k signs tie for most probable and the observed one is among them."""
    signs = sign_probabilities(np.asarray(levels, dtype=float))
    top = signs >= signs.max(axis=1, keepdims=True) - TIE
    hit = top[np.arange(len(observations)), observations.sign]
    return hit / top.sum(axis=1)


def auc(probability: NDArray[np.floating], outcome: NDArray[np.bool_]) -> float:
    """The area under the ROC curve: the chance that a case with the outcome gets a higher
    probability than one without (ties count one half); NaN without both kinds of case."""
    probability, outcome = np.asarray(probability, dtype=float), np.asarray(outcome, dtype=bool)
    positive, negative = probability[outcome], probability[~outcome]
    if positive.size == 0 or negative.size == 0:
        return float("nan")
    difference = positive[:, None] - negative[None, :]
    return float(np.mean((difference > TIE) + 0.5 * (np.abs(difference) <= TIE)))


def _mean(values: NDArray[np.floating]) -> float:
    return float(np.mean(values)) if values.size else float("nan")


def skill_rows(forecast: Forecast, period: ScoredPeriod) -> list[dict[str, Any]]:
    """The rows of ``skill.csv`` for one forecast."""
    observations, changed = period.observations, period.changed
    hits = sign_hits(forecast.levels, observations)
    brier = scores(forecast.levels, observations, "brier")
    values = {
        ACCURACY: (_mean(hits), hits.size),
        BRIER: (_mean(brier), brier.size),
        RPS: (_mean(scores(forecast.levels, observations, "rps")), brier.size),
        AUC: (auc(forecast.change, period.pair_changed), len(period.pairs)),
        ACCURACY_CHANGED: (_mean(hits[changed]), int(changed.sum())),
        BRIER_CHANGED: (_mean(brier[changed]), int(changed.sum())),
    }
    return [{"model": forecast.model, "metric": metric, "period": PERIOD, "value": value,
             "n": int(n)} for metric, (value, n) in values.items()]  # fmt: skip


def skill_table(forecasts: Sequence[Forecast], period: ScoredPeriod) -> Any:
    """``model, metric, period, value, n``: every metric of every forecast."""
    import pandas as pd

    rows = [row for forecast in forecasts for row in skill_rows(forecast, period)]
    return pd.DataFrame(rows, columns=list(COLUMNS))


# --- tables of the folder ------------------------------------------------------------------


def forecast_table(forecasts: Sequence[Forecast], period: ScoredPeriod) -> Any:
    """``forecasts.csv``: per model and test observation, the probability of each level."""
    import pandas as pd

    base = period.table[["date", "step", "source", "target", "kind", "level", "sign"]]
    frames = []
    for forecast in forecasts:
        frame = base.copy()
        frame.insert(0, "model", forecast.model)
        frame["changed"] = period.changed
        for k, name in enumerate(LEVELS):
            frame[name] = forecast.levels[:, k]
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def change_table(forecasts: Sequence[Forecast], period: ScoredPeriod) -> Any:
    """``changes.csv``: per model and pair, the predicted chance of a sign change, the last
    sign before the test period and whether the sign changed."""
    import pandas as pd

    sources = [source for source, _ in period.pairs]
    targets = [target for _, target in period.pairs]
    last_sign, changed = period.pair_last_sign - 1, period.pair_changed
    frames = [
        pd.DataFrame(
            {
                "model": forecast.model,
                "source": sources,
                "target": targets,
                "last_sign": last_sign,
                "changed": changed,
                "probability": forecast.change.astype(float),
            }
        )
        for forecast in forecasts
    ]
    columns = ["model", "source", "target", "last_sign", "changed", "probability"]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]


def read_skill(out: str | Path) -> Any:
    """``DIR/skill.csv``, or None when the calibration has no test period."""
    import pandas as pd

    path = Path(out) / SKILL
    return pd.read_csv(path) if path.is_file() else None


def format_skill(table: Any) -> str:
    """The skill table as text: a row per model, a column per metric, and a row of ``n``
    (the observations, or pairs for the AUC, each value rests on)."""
    import pandas as pd

    models = list(dict.fromkeys(table["model"]))
    metrics = [m for m in METRICS if m in set(table["metric"])]
    cell = {(r.model, r.metric): r.value for r in table.itertuples()}
    counts = table.drop_duplicates("metric").set_index("metric")["n"]
    rows = {model: [_cell(cell.get((model, metric))) for metric in metrics] for model in models}
    rows["n"] = [str(int(counts[metric])) for metric in metrics]
    return pd.DataFrame.from_dict(rows, orient="index", columns=metrics).to_string()


def _cell(value: float | None) -> str:
    return "–" if value is None or not np.isfinite(value) else f"{value:.3f}"
