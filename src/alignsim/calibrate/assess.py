"""A calibration's skill against baselines, on its test period, written into its folder.

Four forecasts of the test period's observations (docs/calibration.md, "Skill against
baselines"): persistence and base rates from the training period (:mod:`.baselines`), and
the posterior runs of the balance-only refit (:mod:`.balance_only`) and of the calibrated
model. The runs are the draws of ``predictive.csv`` and ``observations.csv``: the same
particles and seeds (:func:`.predict.draw_particles`), run again, so the skill scores the
very runs the calibration's figures show.

```
DIR/skill.csv       model, metric, period, value, n
DIR/forecasts.csv   per model and test observation: the probability of each level
DIR/changes.csv     per model and pair: the predicted chance of a sign change, and whether
                    the sign changed
```
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import predict, storage
from .balance_only import Refit
from .baselines import base_rate_forecast, persistence, training_rates
from .runner import make_executor, run_context
from .skill import (
    SKILL,
    ScoredPeriod,
    change_table,
    forecast_table,
    runs_forecast,
    scored_period,
    skill_table,
)
from .spec import Calibration

CALIBRATED, BALANCE_ONLY = "calibrated", "balance only"


def period_of(calibration: Calibration) -> ScoredPeriod:
    """The calibration's test period, and what its training period saw before it."""
    if calibration.test is None:
        raise ValueError(f"{calibration.path}: no test period (test:) to score")
    return scored_period(calibration.train_table, calibration.test_table, calibration.test.first)


def posterior_codes(
    executor: Any, calibration: Calibration, particles: Any, period: ScoredPeriod
) -> np.ndarray:
    """Level codes of the posterior draws at the test observations: draws × observations."""
    names = list(calibration.parameters)
    jobs = predict.draw_particles(particles, names, calibration.seed, predict.DRAWS)
    whole = run_context(calibration, calibration.history.table, calibration.scenario.steps)
    _, levels = predict.run_draws(executor, whole, jobs)
    index = {pair: k for k, pair in enumerate(whole.pairs)}
    table = period.table
    columns = [index[(s, t)] for s, t in zip(table["source"], table["target"], strict=True)]
    return levels[:, table["step"].to_numpy(), np.asarray(columns)]


def forecasts(
    out: Path,
    calibration: Calibration,
    refit: Refit,
    period: ScoredPeriod,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
) -> list[Any]:
    """The four forecasts of the test period, in the order of :data:`.skill.MODELS`."""
    rates = training_rates(calibration.train_table)
    particles = storage.read_posterior(out)
    with make_executor(workers, scheduler) as executor:
        calibrated = posterior_codes(executor, calibration, particles, period)
        balance = (
            calibrated
            if refit.same_model
            else posterior_codes(executor, refit.calibration, refit.particles, period)
        )
    return [
        persistence(period, rates),
        base_rate_forecast(period, rates),
        runs_forecast(BALANCE_ONLY, balance, period),
        runs_forecast(CALIBRATED, calibrated, period),
    ]


def assess(
    out: Path,
    calibration: Calibration,
    refit: Refit,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
) -> Any:
    """Score the four forecasts on the test period; write ``skill.csv``, ``forecasts.csv``
    and ``changes.csv`` into ``out``; the skill table."""
    period = period_of(calibration)
    found: Sequence[Any] = forecasts(
        out, calibration, refit, period, workers=workers, scheduler=scheduler
    )
    table = skill_table(found, period)
    storage.write_csv(out / "forecasts.csv", forecast_table(found, period))
    storage.write_csv(out / "changes.csv", change_table(found, period))
    storage.write_csv(out / SKILL, table)
    return table
