"""Every figure of a run: written, not blank, byte-identical for the same seed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from alignsim.io.reader import read_run
from alignsim.io.run_folder import write_run_folder
from alignsim.model import simulate
from alignsim.scenario import load_scenario, load_scenario_text
from alignsim.viz.animation import frame_count, write_animation
from alignsim.viz.figures import default_snapshot_steps, write_plots
from alignsim.viz.heatmap import plot_tie_heatmap
from alignsim.viz.network import layout
from tests.conftest import FLAGSHIP, random_document, scenario_from

STEPS = 8
FIGURES = {
    "network_final.png",
    "network_snapshots.png",
    "timeline_watched.png",
    "heatmap_ties.png",
    "stances.png",
    "blocs.png",
    "balance_polarization.png",
}


def short_run(seed: int = 3, steps: int = STEPS):
    return simulate(load_scenario(FLAGSHIP), seed=seed, steps=steps)


def spread(path: Path) -> float:
    """Standard deviation of the grey levels: about 0 for a blank picture."""
    with Image.open(path) as image:
        return float(np.asarray(image.convert("L"), dtype=float).std())


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    folder = tmp_path_factory.mktemp("plots-a")
    return folder, write_plots(short_run(), folder)


def test_every_figure_is_written_and_not_blank(written):
    folder, paths = written
    snapshots = {f"network_{s}.png" for s in default_snapshot_steps(STEPS)}
    assert {p.name for p in paths} == FIGURES | snapshots
    assert all(p.parent == folder / "plots" for p in paths)
    for path in paths:
        with Image.open(path) as image:
            assert image.format == "PNG"
            width, height = image.size
        assert width >= 600 and height >= 300, path.name
        assert spread(path) > 12, f"{path.name} looks blank"


def test_network_final_is_the_last_snapshot(written):
    folder, _paths = written
    plots = folder / "plots"
    assert (plots / "network_final.png").read_bytes() == (
        plots / f"network_{STEPS}.png"
    ).read_bytes()
    assert (plots / "network_0.png").read_bytes() != (plots / f"network_{STEPS}.png").read_bytes()


def test_same_seed_gives_identical_figures(written, tmp_path):
    _folder, paths = written
    again = write_plots(short_run(), tmp_path)  # a new simulation with the same seed
    assert [p.name for p in again] == [p.name for p in paths]
    for first, second in zip(paths, again, strict=True):
        assert first.read_bytes() == second.read_bytes(), first.name


def test_other_seed_gives_other_figure(written, tmp_path):
    folder, _paths = written
    other = plot_tie_heatmap(short_run(seed=4), tmp_path / "heatmap_ties.png")
    assert other.read_bytes() != (folder / "plots" / "heatmap_ties.png").read_bytes()


def test_snapshot_steps_override(tmp_path):
    paths = write_plots(short_run(steps=6), tmp_path, snapshot_steps=[5, 2, 2])
    names = {p.name for p in paths if p.name.startswith("network_")}
    assert names == {"network_2.png", "network_5.png", "network_final.png", "network_snapshots.png"}
    assert (tmp_path / "plots" / "network_final.png").read_bytes() != (
        tmp_path / "plots" / "network_5.png"
    ).read_bytes()


@pytest.mark.parametrize("steps", [[-1], [9], []])
def test_bad_snapshot_steps_are_refused(tmp_path, steps):
    with pytest.raises(ValueError, match=r"snapshot step|no snapshot"):
        write_plots(short_run(), tmp_path, snapshot_steps=steps)


def test_default_snapshot_steps():
    assert default_snapshot_steps(48) == [0, 12, 24, 36, 48]
    assert default_snapshot_steps(2) == [0, 1, 2]
    assert default_snapshot_steps(0) == [0]


def test_layout_is_stable_and_in_the_unit_square():
    result = short_run()
    first, second = layout(result), layout(short_run())
    assert list(first) == result.names
    for name in result.names:
        assert np.array_equal(first[name], second[name])
        assert np.all(np.abs(first[name]) <= 1.0 + 1e-9)
    xy = np.array(list(first.values()))
    gaps = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    assert gaps[np.triu_indices(len(xy), 1)].min() > 0.1  # no two states on top of each other


def test_figures_of_a_run_without_steps(tmp_path):
    paths = write_plots(short_run(steps=0), tmp_path)
    assert (tmp_path / "plots" / "network_final.png").is_file()
    assert all(spread(p) > 5 for p in paths)


def test_scenario_without_calendar_or_watch(tmp_path):
    doc = random_document(5, n_states=6, n_dims=4, steps=7)
    result = simulate(scenario_from(doc), seed=2)
    assert result.scenario.calendar is None and not result.scenario.watch.pairs
    paths = write_plots(result, tmp_path)
    assert {p.name for p in paths} >= FIGURES
    assert all(spread(p) > 5 for p in paths)


def test_figures_from_a_run_folder(tmp_path):
    """`alignsim plot RUN_DIR` reads the folder back and draws the same kinds of figures."""
    result = short_run(steps=5)
    folder = write_run_folder(
        result, tmp_path / "run", command=["test"], started=datetime(2025, 1, 1, tzinfo=UTC)
    )
    paths = write_plots(read_run(folder), folder)
    assert {p.name for p in paths} >= FIGURES
    assert all(spread(p) > 12 for p in paths)


ONE_STATE = """name: small
dimensions:
  d: {kind: shared}
states:
  A: {power: 1, interests: {d: 0.5}}
"""


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize(
    "text", [ONE_STATE, ONE_STATE + "  B: {power: 0.5, interests: {d: -0.5}}\n"]
)
def test_figures_and_animation_of_tiny_worlds(tmp_path, text):
    result = simulate(load_scenario_text(text, filename="<test>"), steps=3)
    paths = write_plots(result, tmp_path)
    assert {p.name for p in paths} >= FIGURES
    assert frame_count(write_animation(result, tmp_path / "run.gif")) == 4
