"""What the calibrated model predicts: runs of particles drawn from the posterior.

Each draw is a particle of the last generation, chosen with its weight, run once over the
whole scenario: the spread of these runs holds both the uncertainty of the parameters and
the model's own chance. From them come the fan bands of each observed pair's tie strength
(``predictive.csv``) and, for every observation of the training and the test period, the
predicted chance of each level, scored by the calibration's loss (``observations.csv``,
``scores.csv``). A baseline's prediction can be scored the same way (:mod:`.loss`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from .loss import level_distribution, observations_from_table, scores, sign_distribution
from .runs import Job, RunContext, overrides, pair_levels, pair_strengths, particle_seeds

#: Posterior draws run for the predictions and figures.
DRAWS = 100
#: The seeds' generation key of the predictive runs (after any generation of the search).
PREDICTIVE_KEY = 2**31 - 1
FAN = (0.05, 0.25, 0.5, 0.75, 0.95)


def run_predictive_batch(
    jobs: Sequence[Job], context: RunContext
) -> tuple[list[tuple[int, np.ndarray, np.ndarray]], float]:
    """Runs over the whole scenario: (index, strengths steps × pairs, levels steps × pairs)."""
    from alignsim.model.simulate import simulate
    from alignsim.sweep.tasks import scenario_for

    clock = time.perf_counter()
    out = []
    for job in jobs:
        prepared = scenario_for(context, overrides(job.values, context.integer))
        result = simulate(
            prepared, seed=job.seeds[0], steps=context.steps, record="watched",
            record_pairs=context.pairs, log=False, blocs=False,
        )  # fmt: skip
        out.append((job.index, pair_strengths(result, context.pairs),
                    pair_levels(result, context.pairs)))  # fmt: skip
    return out, time.perf_counter() - clock


def draw_particles(particles: Any, parameters: Sequence[str], seed: int, draws: int) -> list[Job]:
    """``draws`` particles of the posterior, chosen with their weights, each with a seed."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(PREDICTIVE_KEY,)))
    weights = particles["weight"].to_numpy(dtype=float)
    chosen = rng.choice(len(particles), size=draws, p=weights / weights.sum())
    jobs = []
    for k, row in enumerate(chosen):
        values = {p: float(particles[p].iloc[row]) for p in parameters}
        jobs.append(Job(k, values, tuple(particle_seeds(seed, PREDICTIVE_KEY, k, 1))))
    return jobs


def run_draws(
    executor: Any, context: RunContext, jobs: Sequence[Job]
) -> tuple[np.ndarray, np.ndarray]:
    """Strengths and levels of every draw: draws × steps × pairs each."""
    per_batch = max(1, math.ceil(len(jobs) / (4 * executor.slots())))
    batches = [list(jobs[k : k + per_batch]) for k in range(0, len(jobs), per_batch)]
    found: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for results, _ in executor.map_unordered(run_predictive_batch, batches, context):
        found.update({index: (s, lv) for index, s, lv in results})
    order = sorted(found)
    return np.stack([found[i][0] for i in order]), np.stack([found[i][1] for i in order])


def fan_table(strengths: np.ndarray, context: RunContext, dates: Sequence[str]) -> Any:
    """``step, date, source, target, q05, q25, q50, q75, q95`` of each pair's tie strength."""
    import pandas as pd

    quantiles = np.quantile(strengths, FAN, axis=0)  # fan × steps × pairs
    rows = []
    for p, (source, target) in enumerate(context.pairs):
        for step in range(strengths.shape[1]):
            row = {"step": step, "date": dates[step], "source": source, "target": target}
            row.update({_q(q): float(quantiles[k, step, p]) for k, q in enumerate(FAN)})
            rows.append(row)
    return pd.DataFrame(rows)


def _q(q: float) -> str:
    return f"q{round(q * 100):02d}"


def observation_table(
    history: Any, levels: np.ndarray, context: RunContext, train: Any, test: Any, rule: str
) -> Any:
    """Every observation with its period, the predicted chance of what was observed (of its
    level, or of its sign for a sign) and its score."""
    table = history.table.copy()
    pair_index = {pair: i for i, pair in enumerate(context.pairs)}
    columns = [pair_index[(s, t)] for s, t in zip(table["source"], table["target"], strict=True)]
    codes = levels[:, table["step"].to_numpy(), np.asarray(columns)]  # draws × observations
    predicted = level_distribution(codes)
    observations = observations_from_table(table)
    signs = sign_distribution(predicted)
    rows = np.arange(len(table))
    chance = np.where(
        observations.level >= 0,
        predicted[rows, np.maximum(observations.level, 0)],
        signs[rows, observations.sign],
    )
    table["period"] = [_period(step, train, test) for step in table["step"]]
    table["chance"] = chance
    table["score"] = scores(predicted, observations, rule)  # type: ignore[arg-type]
    return table


def _period(step: int, train: Any, test: Any) -> str:
    if test is not None and test.holds(step):
        return "test"
    return "train" if train.holds(step) else "outside"


def score_table(observations: Any, rule: str) -> Any:
    """``period, observations, loss, rule``: the mean score of each period."""
    import pandas as pd

    rows = []
    for period in ("train", "test"):
        scored = observations[observations["period"] == period]
        if len(scored):
            rows.append({"period": period, "observations": len(scored),
                         "loss": float(scored["score"].mean()), "rule": rule})  # fmt: skip
    return pd.DataFrame(rows, columns=["period", "observations", "loss", "rule"])
