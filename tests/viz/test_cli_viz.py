"""`alignsim plot` and `alignsim animate` on a run folder, as a user calls them."""

from __future__ import annotations

import pytest

from alignsim.cli import main
from alignsim.viz.animation import frame_count
from tests.conftest import FLAGSHIP


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("viz") / "run"
    assert main(["run", str(FLAGSHIP), "--seed", "2", "--steps", "6", "--no-plots",
                 "--out", str(folder)]) == 0  # fmt: skip
    return folder


def test_plot_writes_every_figure(run_dir, capsys):
    assert main(["plot", str(run_dir), "--steps", "0,3,6"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1] == str(run_dir / "plots")
    names = {p.name for p in (run_dir / "plots").glob("*.png")}
    assert {"network_0.png", "network_3.png", "network_6.png", "network_final.png",
            "network_snapshots.png", "timeline_watched.png", "heatmap_ties.png", "stances.png",
            "blocs.png", "balance_polarization.png"} <= names  # fmt: skip


def test_plot_rejects_steps_outside_the_run(run_dir, capsys):
    assert main(["plot", str(run_dir), "--steps", "7"]) == 2
    assert "outside the run" in capsys.readouterr().err


def test_animate_one_frame_per_step(run_dir, capsys):
    assert main(["animate", str(run_dir), "--fps", "5"]) == 0
    path = capsys.readouterr().out.strip().splitlines()[-1]
    assert path == str(run_dir / "animation.gif")
    assert frame_count(run_dir / "animation.gif") == 7


def test_animate_refuses_a_folder_that_is_not_a_run(tmp_path, capsys):
    assert main(["animate", str(tmp_path)]) == 2
    assert "not a complete alignsim run folder" in capsys.readouterr().err
