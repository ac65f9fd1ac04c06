"""Calibrations of the small world, run for real: the folder, reproducibility, resume after
SIGKILL, and a calibrated.yaml that runs as it is."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from alignsim.calibrate.storage import read_evaluations
from alignsim.cli import main

from .conftest import kill_when_blocked, write_calibration

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def calibrate(*args: str) -> None:
    assert main(["calibrate", *args]) == 0


def test_the_folder_holds_what_the_docs_say(tmp_path: Path) -> None:
    path = write_calibration(tmp_path)
    out = tmp_path / "out"
    calibrate(str(path), "--out", str(out), "--workers", "1")
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["calibration"] == path.read_text()
    assert manifest["finished"] and manifest["resumes"] == []
    assert manifest["generations"] == 2 and len(manifest["scenario_hash"]) == 64
    assert {"python", "alignsim", "pyabc"} <= set(manifest["versions"])
    estimates = pd.read_csv(out / "parameters.csv")
    assert list(estimates.columns) == ["parameter", "estimate", "low", "high"]
    assert list(estimates["parameter"]) == ["params.balance_weight", "params.learning_rate"]
    assert (estimates["low"] <= estimates["estimate"]).all()
    assert (estimates["estimate"] <= estimates["high"]).all()
    evaluations = read_evaluations(out)
    assert list(evaluations.columns) == [
        "generation", "particle", "params.balance_weight", "params.learning_rate",
        "distance", "weight", "accepted", "epsilon",
    ]  # fmt: skip
    for _, group in evaluations.groupby("generation"):
        assert group["accepted"].sum() == 8
        assert group.loc[group["accepted"], "weight"].sum() == pytest.approx(1)
        assert (group.loc[~group["accepted"], "weight"] == 0).all()
        assert list(group["particle"]) == list(range(len(group)))
    prior = evaluations[evaluations["generation"] == 0]
    assert prior["accepted"].all() and len(prior) == 8  # generation 0 samples the prior
    later = evaluations[(evaluations["generation"] == 1) & evaluations["accepted"]]
    assert (later["distance"] <= later["epsilon"]).all()
    scores = pd.read_csv(out / "scores.csv")
    assert list(scores["period"]) == ["train", "test"]
    assert list(scores["observations"]) == [30, 30]
    for figure in ("observed.png", "posterior.png"):
        assert (out / "plots" / figure).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_calibrated_yaml_runs_as_it_is(tmp_path: Path) -> None:
    out = tmp_path / "out"
    calibrate(str(write_calibration(tmp_path)), "--out", str(out), "--workers", "1")
    text = (out / "calibrated.yaml").read_text()
    assert "\nextends: " in text and "\nparams:\n  balance_weight: " in text
    estimates = pd.read_csv(out / "parameters.csv")
    run = tmp_path / "run"
    assert main(["run", str(out / "calibrated.yaml"), "--out", str(run), "--no-plots"]) == 0
    # the run folder's scenario holds the estimates (to the 4 digits calibrated.yaml keeps)
    from alignsim.scenario import load_scenario

    scenario = load_scenario(out / "calibrated.yaml")
    for row in estimates.itertuples():
        name = row.parameter.split(".", 1)[1]
        assert getattr(scenario.params, name) == pytest.approx(row.estimate, rel=1e-3)


def test_the_same_seed_gives_the_same_posterior_with_any_workers(tmp_path: Path) -> None:
    path = write_calibration(tmp_path)
    folders = {}
    for label, options in (("one", ["--workers", "1"]), ("two", ["--workers", "2"]),
                           ("dask", ["--scheduler", "local", "--workers", "2"])):  # fmt: skip
        folders[label] = tmp_path / label
        calibrate(str(path), "--out", str(folders[label]), *options)
    expected = (folders["one"] / "parameters.csv").read_bytes()
    for label in ("two", "dask"):
        assert (folders[label] / "parameters.csv").read_bytes() == expected
        pd.testing.assert_frame_equal(read_evaluations(folders[label]),
                                      read_evaluations(folders["one"]))  # fmt: skip
    other = tmp_path / "other-seed"
    calibrate(str(write_calibration(tmp_path, seed=6, name="six.yaml")), "--out", str(other),
              "--workers", "1")  # fmt: skip
    assert (other / "parameters.csv").read_bytes() != expected


#: ``alignsim calibrate`` that stops for good when generation 2 starts its runs, so that the
#: test surely kills it in the middle; it touches the file ALIGNSIM_TEST_BLOCKED then.
BLOCKING = """
import os, sys, threading
from pathlib import Path

from alignsim.calibrate import search
from alignsim.cli import main

original = search.Search.evaluate


def evaluate(self, t, indices, proposals):
    if t == 2:
        Path(os.environ["ALIGNSIM_TEST_BLOCKED"]).touch()
        threading.Event().wait()
    return original(self, t, indices, proposals)


search.Search.evaluate = evaluate
sys.exit(main(sys.argv[1:]))
"""


def test_a_killed_calibration_resumes_to_the_same_result(tmp_path: Path) -> None:
    path = write_calibration(tmp_path, generations=4)
    reference = tmp_path / "reference"
    calibrate(str(path), "--out", str(reference), "--workers", "1")

    out = tmp_path / "killed"
    args = ["calibrate", str(path), "--out", str(out), "--workers", "1"]
    kill_when_blocked(BLOCKING, args, tmp_path)
    assert not (out / "parameters.csv").exists()
    stored = sorted(p.name for p in (out / "evaluations").iterdir())
    assert stored == ["generation-000.parquet", "generation-001.parquet"]

    calibrate("--resume", str(out), "--workers", "1")
    assert (out / "parameters.csv").read_bytes() == (reference / "parameters.csv").read_bytes()
    pd.testing.assert_frame_equal(read_evaluations(out), read_evaluations(reference))
    manifest = json.loads((out / "manifest.json").read_text())
    assert len(manifest["resumes"]) == 1 and manifest["finished"]
    assert manifest["generations"] == 4


def test_resume_refuses_a_folder_that_is_not_a_calibration(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["calibrate", "--resume", str(tmp_path)]) == 2
    assert "not a calibration folder (no manifest.json)" in capsys.readouterr().err


def test_a_stopping_rule_ends_the_calibration_with_the_last_full_generation(
    tmp_path: Path,
) -> None:
    path = write_calibration(tmp_path, generations=3, extra="")
    text = path.read_text().replace("generations: 3}", "generations: 3, min_acceptance_rate: 0.9}")
    path.write_text(text)
    out = tmp_path / "out"
    calibrate(str(path), "--out", str(out), "--workers", "1")
    evaluations = read_evaluations(out)
    stopped = evaluations[evaluations["generation"] == 1]
    assert len(stopped) == 8 and not stopped["accepted"].any()  # 8 / 0.9 evaluations at most
    assert json.loads((out / "manifest.json").read_text())["generations"] == 1
    prior = evaluations[evaluations["generation"] == 0]
    estimates = pd.read_csv(out / "parameters.csv")
    median = prior["params.learning_rate"].median()
    assert estimates.loc[1, "estimate"] == pytest.approx(median, rel=1e-5)  # 6 digits kept
