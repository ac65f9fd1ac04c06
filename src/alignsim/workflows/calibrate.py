"""``alignsim calibrate``: the calibration (:mod:`alignsim.calibrate`), its skill against
baselines on the test period, then its figures.

The figures are drawn from the folder's tables, so ``draw_figures`` redraws them for any
calibration folder.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pandas as pd

from alignsim.calibrate import storage
from alignsim.calibrate.assess import assess
from alignsim.calibrate.balance_only import refit
from alignsim.calibrate.runner import Done, execute
from alignsim.calibrate.skill import read_skill
from alignsim.calibrate.spec import Calibration
from alignsim.viz.calibrate import observed_figure, posterior_figure, skill_figure
from alignsim.viz.style import save

PLOTS = "plots"


def run_calibration(
    calibration_file: Path | None,
    out: Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    command: Sequence[str] = (),
    progress: Callable[[str], None] | None = None,
) -> Done:
    """Run or continue a calibration into ``out``; with a test period, fit the balance-only
    model and score the calibrated model against the baselines (``skill.csv``); then draw
    the figures into ``out/plots``."""
    done = execute(
        calibration_file, out, workers=workers, scheduler=scheduler, resume=resume,
        command=command, progress=progress,
    )  # fmt: skip
    if done.calibration.test is not None:
        skill_against_baselines(out, done.calibration, workers, scheduler, command, progress)
    draw_figures(out, done.calibration)
    return done


def skill_against_baselines(
    out: Path,
    calibration: Calibration,
    workers: int | None,
    scheduler: str | None,
    command: Sequence[str],
    progress: Callable[[str], None] | None,
) -> pd.DataFrame:
    """The balance-only refit (with its own figures) and ``skill.csv``."""
    balance = refit(out, calibration, workers=workers, scheduler=scheduler, command=command,
                    progress=progress)  # fmt: skip
    if balance.fit is not None:
        draw_figures(balance.fit, balance.calibration)
    if progress is not None:
        progress("skill: the posterior runs of both models on the test period")
    return assess(out, calibration, balance, workers=workers, scheduler=scheduler)


def draw_figures(
    out: Path, calibration: Calibration, truth: Mapping[str, float] | None = None
) -> list[Path]:
    """``plots/observed.png``, ``plots/posterior.png`` and, when the folder has a
    ``skill.csv``, ``plots/skill.png``, from the folder's tables."""
    out = Path(out)
    scenario = calibration.scenario
    dates = [scenario.date_of(s) for s in range(scenario.steps + 1)]
    fan = pd.read_csv(out / "predictive.csv")
    observations = pd.read_csv(out / "observations.csv", keep_default_na=False,
                               na_values={"value": [""]})  # fmt: skip
    scores = pd.read_csv(out / "scores.csv")
    estimates = pd.read_csv(out / storage.PARAMETERS)
    particles = storage.read_posterior(out)
    thresholds = scenario.params.thresholds.model_dump()
    loss = ", ".join(f"{r.period} {r.loss:.3f} ({r.observations} observations)"
                     for r in scores.itertuples())  # fmt: skip
    rule = "ranked probability score" if calibration.loss == "rps" else "Brier score"
    heading = (
        f"{scenario.name} — observed ties against the calibrated model\n"
        f"runs with parameters drawn from the posterior; mean {rule}: {loss}"
    )
    test_from = calibration.test.first if calibration.test is not None else None
    observed = observed_figure(fan, observations, thresholds, dates, heading, test_from)
    ranges = {name: (p.low, p.high) for name, p in calibration.parameters.items()}
    priors = {name: p.prior for name, p in calibration.parameters.items()}
    generation = int(particles["generation"].iloc[0])
    posterior_heading = (
        f"{scenario.name} — posterior of the fitted parameters\n"
        f"ABC-SMC generation {generation} (the last above the self loss), {len(particles)} "
        "particles, over each prior's range"
    )
    posterior = posterior_figure(particles, ranges, estimates, posterior_heading, truth, priors)
    paths = [
        save(observed, out / PLOTS / "observed.png"),
        save(posterior, out / PLOTS / "posterior.png"),
    ]
    skill = read_skill(out)
    if skill is not None and calibration.test is not None:
        paths.append(save(skill_figure(skill, skill_heading(calibration)),
                          out / PLOTS / "skill.png"))  # fmt: skip
    return paths


def skill_heading(calibration: Calibration) -> str:
    """The skill figure's heading: the scenario, the test period (to its last observation)
    and what the dotted line is."""
    scenario, test = calibration.scenario, calibration.test
    assert test is not None
    last = int(calibration.test_table["step"].max())
    span = f"{scenario.date_of(test.first)} to {scenario.date_of(last)}"
    return (
        f"{scenario.name} — skill on the test period ({span}), against baselines\n"
        "forecasts of the observed ties; the dotted line is persistence, the score to beat"
    )
