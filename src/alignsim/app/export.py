"""Saving the run shown on the page as a run folder, as ``alignsim run`` writes it.

The page's model is deterministic, so the export runs the same settings and seed to the end
and writes the complete run, even if the class stopped halfway; its ``scenario.yaml`` is the
scenario as run (weights, saliences and switched-off events included), so
``alignsim run FOLDER/scenario.yaml`` reproduces it.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from alignsim.app.settings import PageSettings, build_scenario
from alignsim.io.run_folder import default_run_dir, write_run_folder
from alignsim.model.simulate import simulate
from alignsim.workflows.run import summary_and_figures


def export_run(
    settings: PageSettings, results: Path, *, started: datetime, plots: bool = True
) -> Path:
    """Write the whole run of ``settings`` to ``results/<scenario>/<time>-seed<N>``."""
    scenario = build_scenario(settings)
    seed = scenario.seed if settings.seed is None else settings.seed
    result = simulate(scenario, seed=seed, trace=scenario.watched_ties())
    out = default_run_dir(Path(results), scenario.name, seed, started)
    command = ["alignsim", "app", str(settings.path), *settings.describe()]
    return write_run_folder(
        result, out, command=command, started=started, write_extras=summary_and_figures(plots),
        unique=True,
    )  # fmt: skip
