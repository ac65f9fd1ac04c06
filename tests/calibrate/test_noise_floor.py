"""The posterior is read at the last generation whose tolerance is above the self loss."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alignsim.calibrate import storage
from alignsim.calibrate.loss import (
    LEVEL_SCALE,
    SIGN_SCALE,
    STRENGTH_SCALE,
    Observations,
    level_distribution,
    loss,
)
from alignsim.calibrate.noise_floor import as_observed, posterior_generation
from alignsim.cli import main

from .conftest import write_calibration


def test_a_run_is_read_on_each_observation_s_own_scale() -> None:
    like = Observations(
        np.array([SIGN_SCALE, LEVEL_SCALE, STRENGTH_SCALE, STRENGTH_SCALE]),
        np.array([-1, 3, 2, 0]),
        np.array([0, 2, 1, 0]),
    )
    codes = np.array([5, 5, 5, 0])  # formal alliance thrice, hostile once
    observed = as_observed(codes, like)
    assert observed.scale.tolist() == like.scale.tolist()
    assert observed.level.tolist() == [-1, 5, 4, 0]  # a strength has no formal alliance band
    assert observed.sign.tolist() == [2, 2, 2, 0]
    # a run scored against itself read this way is a perfect forecast
    assert loss(level_distribution(codes[None, :]), observed, "rps") == 0.0


def test_the_posterior_is_the_last_generation_above_the_floor() -> None:
    rows = [
        {"generation": g, "accepted": True, "epsilon": e}
        for g, e in enumerate([math.inf, 0.30, 0.20, 0.10, 0.05])
        for _ in range(3)
    ] + [{"generation": 5, "accepted": False, "epsilon": 0.02}]
    evaluations = pd.DataFrame(rows)
    assert posterior_generation(evaluations, 0.12) == 2
    assert posterior_generation(evaluations, 0.10) == 3  # at the floor still counts
    assert posterior_generation(evaluations, 0.01) == 4  # never below: the last one run
    assert posterior_generation(evaluations, 5.0) == 0  # the prior's tolerance is infinite


@pytest.mark.slow
def test_the_folder_is_read_at_the_generation_its_manifest_names(tmp_path: Path) -> None:
    path = write_calibration(tmp_path, generations=5, extra="")
    out = tmp_path / "out"
    assert main(["calibrate", str(path), "--out", str(out), "--workers", "1"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    generation, floor = manifest["posterior_generation"], manifest["self_loss"]
    assert 0 < floor < 1
    evaluations = storage.read_evaluations(out)
    tolerances = evaluations[evaluations["accepted"]].groupby("generation")["epsilon"].first()
    assert tolerances[generation] >= floor
    assert (tolerances.loc[generation + 1 :] < floor).all()
    particles = storage.read_posterior(out)
    assert set(particles["generation"]) == {generation}
    names = ["params.balance_weight", "params.learning_rate"]
    expected = storage.estimates(particles, names)
    written = pd.read_csv(out / "parameters.csv")
    assert np.allclose(written[["estimate", "low", "high"]], expected[["estimate", "low", "high"]],
                       rtol=1e-5)  # fmt: skip
