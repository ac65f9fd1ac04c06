"""A calibration from start to stored results: the search, the estimates, the predictions.

:func:`execute` starts a calibration in a new folder, or continues the one in a folder
(``resume``): pyabc's history holds every finished generation, and the generation that was
running when the process died is run again with the same seeds, so a resumed calibration
ends with exactly the results of an uninterrupted one. Figures are drawn by
:mod:`alignsim.workflows.calibrate`, not here.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alignsim.scenario.loading import read_file, read_raw, resolve_raw

from . import noise_floor, predict, search, storage
from .loss import observations_from_table
from .runs import RunContext
from .spec import Calibration, load_calibration, load_calibration_text
from .storage import StorageError


@dataclass(frozen=True)
class Done:
    """What a calibration left in its folder."""

    out: Path
    calibration: Calibration
    generations: int
    evaluations: int
    seconds: float
    seconds_per_evaluation: float
    estimates: Any
    scores: Any
    resumed: bool


def scenario_document(scenario: Any) -> tuple[dict[str, Any], str]:
    """The resolved scenario as workers rebuild it, and its key (SHA-256 of its JSON)."""
    document = scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    return document, hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()


def observed_pairs(table: Any, scenario: Any) -> tuple[tuple[str, str], ...]:
    """The observed pairs, in scenario order."""
    order = {name: i for i, name in enumerate(scenario.state_names)}
    pairs = {(str(s), str(t)) for s, t in zip(table["source"], table["target"], strict=True)}
    return tuple(sorted(pairs, key=lambda p: (order[p[0]], order[p[1]])))


def run_context(calibration: Calibration, table: Any, steps: int) -> RunContext:
    """The context of runs of ``steps`` steps that read the observations of ``table``."""
    document, key = scenario_document(calibration.scenario)
    pairs = observed_pairs(calibration.history.table, calibration.scenario)
    index = {pair: i for i, pair in enumerate(pairs)}
    columns = [
        index[(str(s), str(t))] for s, t in zip(table["source"], table["target"], strict=True)
    ]
    return RunContext(
        document=document, key=key, steps=steps, pairs=pairs,
        observation_steps=tuple(int(s) for s in table["step"]),
        observation_pairs=tuple(columns),
        integer={name: p.integer for name, p in calibration.parameters.items()},
    )  # fmt: skip


def fingerprint(calibration: Calibration) -> dict[str, str]:
    """What a resume must find unchanged: the scenario's and the observed history's hashes."""
    history = hashlib.sha256(calibration.history.csv_text().encode("utf-8")).hexdigest()
    return {"scenario_hash": calibration.scenario.content_hash(), "observed_hash": history}


def make_executor(workers: int | None, scheduler: str | None) -> Any:
    from alignsim.sweep.executors import DaskExecutor, LocalExecutor

    if scheduler:
        return DaskExecutor(scheduler, workers)
    return LocalExecutor(workers)


def prepare(
    calibration_file: Path | None, out: Path, resume: bool, command: Sequence[str]
) -> tuple[Calibration, dict[str, Any]]:
    """The calibration and its manifest: new (the folder must be new or empty) or stored."""
    if not resume:
        assert calibration_file is not None
        calibration = load_calibration(calibration_file)
        storage.check_new_folder(out)
        manifest = {
            "calibration_file": str(calibration_file),
            "calibration": calibration.text,
            "scenario": str(calibration.scenario_path),
            "observed": calibration.history.file,
            **fingerprint(calibration),
            "parameters": list(calibration.parameters),
            "versions": storage.versions(),
            "command": list(command),
            "started": storage.now(),
            "resumes": [],
            "finished": False,
        }
        storage.write_manifest(out, manifest)
        return calibration, manifest
    manifest = storage.read_manifest(out)
    file = Path(manifest["calibration_file"])
    calibration = load_calibration_text(manifest["calibration"], str(file), file.parent)
    for key, value in fingerprint(calibration).items():
        if manifest.get(key) != value:
            what = "scenario" if key == "scenario_hash" else "observed history"
            raise StorageError(f"{out}: the {what} changed since the calibration started; "
                               "start a new calibration")  # fmt: skip
    manifest["resumes"].append({"at": storage.now(), "command": list(command)})
    storage.write_manifest(out, manifest)
    return calibration, manifest


def execute(
    calibration_file: Path | None,
    out: Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    command: Sequence[str] = (),
    progress: Callable[[str], None] | None = None,
) -> Done:
    """Run (or continue) a calibration into ``out`` and store its results (no figures)."""
    clock = time.perf_counter()
    out = Path(out)
    calibration, manifest = prepare(calibration_file, out, resume, command)
    names = list(calibration.parameters)
    train = calibration.train_table
    observations = observations_from_table(train)
    fit = run_context(calibration, train, int(train["step"].max()))
    whole = run_context(calibration, calibration.history.table, calibration.scenario.steps)
    with make_executor(workers, scheduler) as executor:

        def record(t: int, evaluations: list[search.Evaluation], ok: bool) -> None:
            storage.write_generation(out, t, evaluations, names)

        finder = search.Search(
            executor, fit, calibration.seed, calibration.replications, record, progress
        )
        abc = search.build_abc(calibration, finder, observations)
        database = out / storage.DATABASE
        if resume and database.exists():
            search.load(abc, database)
        else:
            search.start(abc, database, observations)
        if not manifest.get("finished"):
            method = calibration.method
            search.run(abc, method.generations, method.min_acceptance_rate)
        generations = search.generations_done(abc)
        manifest["finished"] = True
        storage.write_manifest(out, manifest)
        evaluations = storage.read_evaluations(out)
        if "posterior_generation" not in manifest:
            read_at_noise_floor(executor, calibration, fit, observations, evaluations, manifest)
            storage.write_manifest(out, manifest)
            if progress is not None:
                progress(f"self loss {manifest['self_loss']:.4g}: the posterior is generation "
                         f"{manifest['posterior_generation']}")  # fmt: skip
        particles = storage.posterior(evaluations, manifest["posterior_generation"])
        jobs = predict.draw_particles(particles, names, calibration.seed, predict.DRAWS)
        strengths, levels = predict.run_draws(executor, whole, jobs)
    estimates = storage.estimates(particles, names)
    storage.write_csv(out / storage.PARAMETERS, estimates)
    write_calibrated(calibration, out, estimates)
    scenario = calibration.scenario
    dates = [scenario.date_of(s) for s in range(scenario.steps + 1)]
    storage.write_csv(out / "predictive.csv", predict.fan_table(strengths, whole, dates))
    table = predict.observation_table(
        calibration.history, levels, whole, calibration.train, calibration.test, calibration.loss
    )
    storage.write_csv(out / "observations.csv", table)
    scores = predict.score_table(table, calibration.loss)
    storage.write_csv(out / "scores.csv", scores)
    seconds = time.perf_counter() - clock
    per = finder.seconds_per_particle
    per_evaluation = sum(per) / len(per) if per else float("nan")
    manifest.update(
        generations=generations, evaluations=len(evaluations),
        seconds_per_evaluation=per_evaluation, finished_at=storage.now(),
    )  # fmt: skip
    storage.write_manifest(out, manifest)
    return Done(out, calibration, generations, len(evaluations), seconds, per_evaluation,
                estimates, scores, resume)  # fmt: skip


def read_at_noise_floor(
    executor: Any,
    calibration: Calibration,
    fit: Any,
    observations: Any,
    evaluations: Any,
    manifest: dict[str, Any],
) -> None:
    """Put the self loss at the last generation's estimate and the generation it makes the
    posterior (:mod:`.noise_floor`) into ``manifest``."""
    names = list(calibration.parameters)
    last = storage.estimates(storage.posterior(evaluations), names)
    values = dict(zip(last["parameter"], last["estimate"], strict=True))
    floor = noise_floor.self_loss(executor, fit, observations, values, calibration.seed,
                                  calibration.replications, calibration.loss)  # fmt: skip
    manifest["self_loss"] = floor
    manifest["posterior_generation"] = noise_floor.posterior_generation(evaluations, floor)


def write_calibrated(calibration: Calibration, out: Path, estimates: Any) -> Path:
    """``calibrated.yaml``: the scenario with the posterior medians, through ``extends``."""
    text, _ = read_file(calibration.scenario_path)
    raw = resolve_raw(read_raw(text or "", str(calibration.scenario_path)))
    values = dict(zip(estimates["parameter"], estimates["estimate"], strict=True))
    integer = {name: p.integer for name, p in calibration.parameters.items()}
    child = storage.calibrated_document(raw.data, values, integer)
    header = [
        f"{calibration.scenario.name}, calibrated: the posterior median of each fitted",
        f"parameter (alignsim calibrate {calibration.path}; see parameters.csv for the",
        "90% credible intervals). Runs as it is: alignsim run calibrated.yaml",
        "",
    ]
    for row in estimates.itertuples():
        interval = f"90% interval {row.low:.4g} to {row.high:.4g}"
        header.append(f"{row.parameter}: {row.estimate:.4g} ({interval})")
    path = out / storage.CALIBRATED
    body = storage.calibrated_text(calibration.scenario_path, out, child, header)
    storage.write_atomic(path, body.encode("utf-8"))
    return path
