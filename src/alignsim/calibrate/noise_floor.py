"""Which generation of the search is the posterior: the last one whose tolerance is still at
least the model's own noise.

ABC-SMC lowers its tolerance generation by generation: each keeps the particles whose
loss is below the median of the last one's. The loss of a run's level distribution against
one observed history cannot fall below what the model scores against histories it makes
itself: a run is noisy, and so was the history. Past that floor a generation keeps only the
particles that happen to fit this history's noise better than the truth would, and the
posterior closes in on the noise rather than on the parameters: its intervals narrow and
miss the truth (docs/calibration.md, "Parameter recovery"). Wilkinson (2013) reads the
tolerance as a model of the error between model and data; a tolerance below the error the
model makes against itself claims more than the data hold.

The floor, the *self loss*, is measured at the last generation's estimate (posterior
medians): ``HISTORIES`` runs there are read as observed histories (the observed pairs at
the observed steps, each on its observation's scale: sign, level or strength band), and
``replications`` further runs there are scored against each with the calibration's loss;
the mean is the self loss. The posterior is then the last generation whose tolerance is at
least the self loss (generation 0, the prior's, always is: its tolerance is infinite). No
truth is read, so it is the same for observed and synthetic histories.

Wilkinson, R. D. (2013). Approximate Bayesian computation (ABC) gives exact results under
the assumption of model error. Statistical Applications in Genetics and Molecular Biology
12(2), 129-141.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .loss import (
    LEVEL_SCALE,
    SIGN_CATEGORY,
    SIGN_SCALE,
    STRENGTH_BAND,
    Observations,
    level_distribution,
    loss,
)
from .runs import Job, RunContext, particle_seeds, run_batch

#: The spawn key of the self loss's runs (beside the predictive runs' and the refit's keys).
SELF_LOSS_KEY = 2**31 - 3
#: Histories the model makes at the estimate; the self loss is the mean over them.
HISTORIES = 20


def as_observed(codes: np.ndarray, like: Observations) -> Observations:
    """One run's level codes at the observations (one per observation) read as observations
    on the scales of ``like``: a sign where ``like`` has a sign, a level where it has a level,
    a strength band where it has a strength."""
    codes = np.asarray(codes, dtype=np.int64)
    level = np.where(like.scale == LEVEL_SCALE, codes, STRENGTH_BAND[codes])
    level = np.where(like.scale == SIGN_SCALE, -1, level)
    return Observations(like.scale.copy(), level, SIGN_CATEGORY[codes])


def self_loss(
    executor: Any,
    context: RunContext,
    observations: Observations,
    values: dict[str, float],
    seed: int,
    replications: int,
    rule: str,
) -> float:
    """The mean loss of ``replications`` runs at ``values`` against ``HISTORIES`` histories
    the model makes at ``values``, read at the observations of ``context``."""
    jobs = [
        Job(k, values, tuple(particle_seeds(seed, SELF_LOSS_KEY, k, replications + 1)))
        for k in range(HISTORIES)
    ]
    per_batch = max(1, math.ceil(len(jobs) / executor.slots()))
    batches = [jobs[k : k + per_batch] for k in range(0, len(jobs), per_batch)]
    codes: dict[int, np.ndarray] = {}
    for results, _ in executor.map_unordered(run_batch, batches, context):
        codes.update(results)
    scores = []
    for k in range(HISTORIES):
        history, runs = codes[k][0], codes[k][1:]
        observed = as_observed(history, observations)
        scores.append(loss(level_distribution(runs), observed, rule))  # type: ignore[arg-type]
    return float(np.mean(scores))


def posterior_generation(evaluations: Any, floor: float) -> int:
    """The last generation whose tolerance is at least ``floor`` (0 at worst)."""
    accepted = evaluations[evaluations["accepted"]]
    tolerances = accepted.groupby("generation")["epsilon"].first()
    above = tolerances[tolerances >= floor]
    return int(above.index.max()) if len(above) else int(tolerances.index.min())
