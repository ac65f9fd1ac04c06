"""Skill against baselines from real calibrations of the small world: the folder's tables,
the balance-only refit, the terminal's table, resuming, and calibrations without a test
period or with nothing left to refit."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alignsim.calibrate.balance_only import refit_seed
from alignsim.calibrate.skill import METRICS, MODELS
from alignsim.cli import main
from alignsim.scenario import load_scenario
from alignsim.scenario.observed import LEVELS

from .conftest import PARAMETERS, SMALL, kill_when_blocked, write_calibration

pytestmark = pytest.mark.slow

WITH_INTEREST = PARAMETERS + "  params.interest_weight: {low: 0.0, high: 2.0}\n"
#: The small world's history seen in 2010 only, and scored from 2011: five of its ten pairs
#: change sign (the ties settle in the first year).
PERIODS = "train: {to: 2010-Q4}\ntest: {from: 2011}\n"


def calibrate(*args: str) -> None:
    assert main(["calibrate", *args]) == 0


def calibrated_folder(tmp_path: Path, **options: object) -> Path:
    path = write_calibration(tmp_path, parameters=WITH_INTEREST, extra=PERIODS, **options)
    out = tmp_path / "out"
    calibrate(str(path), "--out", str(out), "--workers", "1")
    return out


def test_skill_csv_scores_four_models_on_the_test_period(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = calibrated_folder(tmp_path)
    skill = pd.read_csv(out / "skill.csv")
    assert list(skill.columns) == ["model", "metric", "period", "value", "n"]
    assert list(skill["model"]) == [m for m in MODELS for _ in METRICS]
    assert list(skill["metric"]) == list(METRICS) * len(MODELS)
    assert set(skill["period"]) == {"test"}
    n = skill.drop_duplicates("metric").set_index("metric")["n"]
    assert (n["sign accuracy"], n["AUC"], n["Brier (changed)"]) == (50, 10, 25)
    value = skill.set_index(["model", "metric"])["value"]
    assert value["persistence", "AUC"] == 0.5
    assert value["persistence", "sign accuracy (changed)"] == 0
    assert value["persistence", "Brier (changed)"] == 2
    assert ((skill["value"] >= 0) & (skill["value"] <= 2)).all()
    assert (out / "plots" / "skill.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    printed = capsys.readouterr().out.splitlines()
    assert printed[-6].split()[:2] == ["sign", "accuracy"]
    assert [line.split()[0] for line in printed[-5:]] == ["persistence", "base", "balance",
                                                          "calibrated", "n"]  # fmt: skip
    assert printed[-1].split() == ["n", "50", "50", "50", "10", "25", "25"]


def test_the_calibrated_forecast_is_the_posterior_runs_of_observations_csv(
    tmp_path: Path,
) -> None:
    out = calibrated_folder(tmp_path)
    forecasts = pd.read_csv(out / "forecasts.csv", keep_default_na=False)
    ours = forecasts[forecasts["model"] == "calibrated"].reset_index(drop=True)
    observations = pd.read_csv(out / "observations.csv", keep_default_na=False)
    test = observations[observations["period"] == "test"].reset_index(drop=True)
    assert list(ours["step"]) == list(test["step"]) and list(ours["source"]) == list(test["source"])
    chance = [row[row["level"]] for _, row in ours.iterrows()]  # levels only in this history
    assert np.allclose(chance, test["chance"].astype(float))
    assert np.allclose(ours[list(LEVELS)].sum(axis=1), 1)


def test_the_balance_only_refit_has_interest_weight_0(tmp_path: Path) -> None:
    out = calibrated_folder(tmp_path)
    folder = out / "balance-only"
    scenario = load_scenario(folder / "fit" / "calibrated.yaml")
    assert scenario.params.interest_weight == 0.0
    assert load_scenario(out / "calibrated.yaml").params.interest_weight > 0
    estimates = pd.read_csv(folder / "fit" / "parameters.csv")
    assert list(estimates["parameter"]) == ["params.balance_weight", "params.learning_rate"]
    text = (folder / "calibration.yaml").read_text()
    assert "interest_weight" not in text.split("scenario:", 1)[1]
    assert f"seed: {refit_seed(5)}\n" in text and refit_seed(5) != 5
    for figure in ("observed.png", "posterior.png"):
        assert (folder / "fit" / "plots" / figure).is_file()
    # its own search: the same number of generations, other particles than the calibration's
    main_particles = pd.read_parquet(out / "evaluations" / "generation-000.parquet")
    refit_particles = pd.read_parquet(folder / "fit" / "evaluations" / "generation-000.parquet")
    assert len(refit_particles) == len(main_particles)
    assert not np.allclose(
        refit_particles["params.balance_weight"], main_particles["params.balance_weight"]
    )


def test_resuming_a_finished_calibration_gives_the_same_skill(tmp_path: Path) -> None:
    out = calibrated_folder(tmp_path)
    before = (out / "skill.csv").read_bytes()
    (out / "skill.csv").unlink()
    calibrate("--resume", str(out), "--workers", "2")
    assert (out / "skill.csv").read_bytes() == before


def test_nothing_left_to_refit_runs_the_model_with_interest_weight_0(tmp_path: Path) -> None:
    only = "  params.interest_weight: {low: 0.0, high: 2.0}\n"
    path = write_calibration(tmp_path, parameters=only, extra=PERIODS)
    out = tmp_path / "out"
    calibrate(str(path), "--out", str(out), "--workers", "1")
    assert not (out / "balance-only" / "fit").exists()
    assert load_scenario(out / "balance-only" / "scenario.yaml").params.interest_weight == 0.0
    skill = pd.read_csv(out / "skill.csv")
    assert skill[skill["model"] == "balance only"]["value"].notna().sum() == len(METRICS)


NETWORK = """\
name: network
calendar: {start: 2010, step: year}
steps: 8
dimensions: {none: {kind: shared}}
params: {rule: threshold, form_threshold: 0.3, break_threshold: -0.2, tie_cost: 0.0}
states:
  A: {power: 1.0, interests: {none: 0.0}}
  B: {power: 1.0, interests: {none: 0.0}}
  C: {power: 1.0, interests: {none: 0.0}}
  D: {power: 1.0, interests: {none: 0.0}}
ties:
  - {between: [A, B], value: 1.0}
  - {between: [B, C], value: 1.0}
  - {between: [C, D], value: -1.0}
events:
  - at: '2016'
    note: D makes peace with all
    tie: [{between: [A, D], set: 1.0}, {between: [B, D], set: 1.0}, {between: [C, D], set: 1.0}]
"""


def test_a_scenario_without_interests_is_its_own_balance_only_model(tmp_path: Path) -> None:
    from alignsim.calibrate.balance_only import has_interests
    from alignsim.calibrate.synthetic import synthetic_history
    from alignsim.scenario import load_scenario_text

    scenario = load_scenario_text(NETWORK, "<network>")
    assert not has_interests(scenario)
    assert has_interests(load_scenario(SMALL))
    moved = NETWORK + "  - {at: '2012', shift: {A: {none: 0.5}}}\n"
    assert has_interests(load_scenario_text(moved, "<moved>"))
    truth = {"params.balance_weight": 0.8}
    synthetic_history(scenario, truth, 3, steps=range(1, 9)).to_csv(tmp_path / "observed.csv")
    (tmp_path / "network.yaml").write_text(NETWORK + "observed: observed.csv\n", "utf-8")
    path = tmp_path / "calibration.yaml"
    path.write_text(
        "scenario: network.yaml\nparameters:\n  params.balance_weight: {low: 0.0, high: 1.5}\n"
        "replications: 4\nmethod: {population: 8, generations: 2}\nseed: 3\n"
        "train: {to: 2014}\ntest: {from: 2015}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    calibrate(str(path), "--out", str(out), "--workers", "1")
    assert not (out / "balance-only").exists()  # nothing refitted: it would be the same model
    skill = pd.read_csv(out / "skill.csv").set_index(["model", "metric"])["value"]
    assert skill["balance only"].equals(skill["calibrated"])
    assert skill["calibrated"].notna().all()  # the peace changes signs in the test


def test_without_a_test_period_there_is_no_skill(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_calibration(tmp_path, extra="")
    out = tmp_path / "out"
    calibrate(str(path), "--out", str(out), "--workers", "1")
    assert not (out / "skill.csv").exists() and not (out / "balance-only").exists()
    assert not (out / "plots" / "skill.png").exists()
    assert "skill" not in capsys.readouterr().out


#: ``alignsim calibrate`` that stops for good when the balance-only refit (seed ``SEED``)
#: starts generation 1; it touches the file ALIGNSIM_TEST_BLOCKED then.
BLOCKING_REFIT = """
import os, sys, threading
from pathlib import Path

from alignsim.calibrate import search
from alignsim.calibrate.balance_only import refit_seed
from alignsim.cli import main

original = search.Search.evaluate


def evaluate(self, t, indices, proposals):
    if t == 1 and self.seed == refit_seed(5):
        Path(os.environ["ALIGNSIM_TEST_BLOCKED"]).touch()
        threading.Event().wait()
    return original(self, t, indices, proposals)


search.Search.evaluate = evaluate
sys.exit(main(sys.argv[1:]))
"""


def test_a_refit_killed_in_the_middle_resumes_to_the_same_skill(tmp_path: Path) -> None:
    reference = calibrated_folder(tmp_path)
    path = tmp_path / "calibration.yaml"
    out = tmp_path / "killed"
    args = ["calibrate", str(path), "--out", str(out), "--workers", "1"]
    kill_when_blocked(BLOCKING_REFIT, args, tmp_path)
    assert (out / "parameters.csv").is_file() and not (out / "skill.csv").exists()
    assert (out / "balance-only" / "fit" / "manifest.json").is_file()

    calibrate("--resume", str(out), "--workers", "1")
    manifest = json.loads((out / "balance-only" / "fit" / "manifest.json").read_text())
    assert len(manifest["resumes"]) == 1 and manifest["finished"]
    for name in ("skill.csv", "balance-only/fit/parameters.csv", "forecasts.csv"):
        assert (out / name).read_bytes() == (reference / name).read_bytes(), name
