"""A run folder reads back into the Result that wrote it."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from alignsim.cli import main
from alignsim.io.reader import RunFolderReadError, read_run
from alignsim.model import simulate
from alignsim.scenario import load_scenario
from tests.conftest import FLAGSHIP


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("r") / "run"
    assert main(["run", str(FLAGSHIP), "--seed", "5", "--steps", "12", "--no-plots",
                 "--out", str(folder)]) == 0  # fmt: skip
    return folder


def test_round_trip(run_dir):
    read = read_run(run_dir)
    original = simulate(load_scenario(FLAGSHIP), seed=5, steps=12)
    np.testing.assert_array_equal(read.recorder.strength, original.recorder.strength)
    np.testing.assert_array_equal(read.recorder.level, original.recorder.level)
    np.testing.assert_array_equal(read.recorder.bloc, original.recorder.bloc)
    np.testing.assert_allclose(read.recorder.stances, original.recorder.stances)
    assert read.ties_frame().equals(original.ties_frame())
    assert read.metrics_frame().equals(original.metrics_frame())
    assert read.part_names == original.part_names
    events = original.events_frame()
    assert read.events_frame().equals(events)
    assert read.recorder.events.frame().equals(events)  # the log read back, as written
    assert read.seed == 5 and read.steps == 12


def test_edited_scenario_is_refused(run_dir, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(run_dir, copy)
    path = copy / "scenario.yaml"
    path.write_text(path.read_text().replace("balance_weight: 0.3", "balance_weight: 0.9"))
    with pytest.raises(RunFolderReadError, match="changed since the run"):
        read_run(copy)


def test_incomplete_folder_is_refused(tmp_path):
    with pytest.raises(RunFolderReadError, match="missing"):
        read_run(tmp_path)
