"""Reading a run folder back into a ``Result``, so analysis works from the folder alone.

Figures, animations and comparisons need only the tables; explanations re-simulate from
``scenario.yaml`` and the seed, after checking the scenario's hash against the manifest.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd

from alignsim.model.eventlog import EventLog
from alignsim.model.metrics import LEVELS
from alignsim.model.recorder import Recorder, Result, recorded_rows, watched_columns


class RunFolderReadError(Exception):
    """The folder is not a complete, consistent alignsim run folder."""


REQUIRED = ("manifest.json", "scenario.yaml", "ties.csv", "states.csv", "metrics.csv", "events.csv")


def read_manifest(run_dir: Path) -> dict:
    run_dir = Path(run_dir)
    missing = [name for name in REQUIRED if not (run_dir / name).is_file()]
    if missing:
        raise RunFolderReadError(
            f"{run_dir}: not a complete alignsim run folder (missing {', '.join(missing)})"
        )
    try:
        return json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise RunFolderReadError(f"{run_dir / 'manifest.json'}: unreadable: {error}") from error


def read_scenario(run_dir: Path, manifest: dict | None = None):
    """The run's resolved scenario, checked against the hash the manifest recorded."""
    from alignsim.scenario import ScenarioError, load_scenario

    run_dir = Path(run_dir)
    manifest = manifest if manifest is not None else read_manifest(run_dir)
    text = (run_dir / "scenario.yaml").read_text(encoding="utf-8")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if digest != manifest.get("scenario_sha256"):
        raise RunFolderReadError(
            f"{run_dir / 'scenario.yaml'}: changed since the run (SHA-256 differs from "
            "manifest.json); re-run the scenario instead of editing a run folder"
        )
    try:
        return load_scenario(run_dir / "scenario.yaml")
    except ScenarioError as error:
        raise RunFolderReadError(str(error)) from error


def read_run(run_dir: Path) -> Result:
    """Rebuild the ``Result`` of a run from its folder."""
    run_dir = Path(run_dir)
    manifest = read_manifest(run_dir)
    scenario = read_scenario(run_dir, manifest)
    names = list(scenario.states)
    dims = list(scenario.dimensions)
    steps = int(manifest["steps"])
    try:
        # only empty cells are missing: a state or a note may well be called "NA" or "None"
        tables = {
            name: pd.read_csv(run_dir / f"{name}.csv", keep_default_na=False, na_values=[""])
            for name in ("ties", "states", "metrics", "events")
        }
        ties, states, metrics, events = tables.values()
    except (OSError, ValueError) as error:
        raise RunFolderReadError(f"{run_dir}: unreadable table: {error}") from error

    n, k = len(names), len(dims)
    recording = manifest.get("recording") or {}
    every = int(recording.get("every", 1))
    kept = None
    if recording.get("ties", "all") == "watched":
        kept = watched_columns(scenario, names)
    recorder = Recorder(n, k, steps, every=every, pairs=kept)
    pairs = recorder.strength.shape[1]
    rows = recorded_rows(steps, every)
    if len(ties) != rows * pairs or len(states) != rows * n or len(metrics) != rows:
        raise RunFolderReadError(
            f"{run_dir}: tables do not match {steps} steps of {n} states recorded "
            f"{'every step' if every == 1 else f'every {every} steps'}"
        )
    recorder.steps = metrics["step"].astype(int).tolist()
    recorder.strength[:] = ties["strength"].to_numpy().reshape(rows, pairs)
    codes = {level: code for code, level in enumerate(LEVELS)}
    recorder.level[:] = ties["level"].map(codes).to_numpy().reshape(rows, pairs)
    recorder.stances[:] = states[dims].to_numpy().reshape(rows, n, k)
    recorder.salience[:] = states[[f"salience.{d}" for d in dims]].to_numpy().reshape(rows, n, k)
    recorder.power[:] = states["power"].to_numpy().reshape(rows, n)
    recorder.bloc[:] = states["bloc"].to_numpy().reshape(rows, n)
    for column in metrics.columns:
        if column not in ("step", "date"):
            recorder.metrics[column] = metrics[column].to_numpy(dtype=float)
    part_names = [
        c.removeprefix("payoff_ab.")
        for c in events.columns
        if c.startswith("payoff_ab.") and c != "payoff_ab.total"
    ]
    rows = [
        {key: (None if _missing(value) else value) for key, value in row.items()}
        for row in events.to_dict(orient="records")
    ]
    recorder.events = EventLog(names, part_names, rows=rows)
    recorder.last_step = steps
    return Result(
        scenario=scenario,
        seed=int(manifest["seed"]),
        steps=steps,
        names=names,
        dimensions=dims,
        dates=[scenario.date_of(s) for s in range(steps + 1)],
        part_names=part_names,
        recorder=recorder,
        extra={"run_dir": run_dir, "manifest": manifest},
    )


def _missing(value) -> bool:
    return isinstance(value, float) and np.isnan(value)
