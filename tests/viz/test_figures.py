"""Every figure of a run: written, not blank, byte-identical for the same seed."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

from alignsim.analysis.compare import compare_runs
from alignsim.io.reader import read_run
from alignsim.io.run_folder import write_run_folder
from alignsim.model import simulate
from alignsim.scenario import load_scenario, load_scenario_text
from alignsim.viz.animation import frame_count, write_animation
from alignsim.viz.compare import CHANGE_TOLERANCE, comparison_figure
from alignsim.viz.figures import default_snapshot_steps, write_plots
from alignsim.viz.heatmap import plot_tie_heatmap
from alignsim.viz.network import draw_network, layout, legend_handles, rival_ties_left_out
from alignsim.viz.stances import stances_figure
from alignsim.viz.timeline import fired_events, scenario_events_fired, timeline_figure
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
    plt.close("all")  # figures another test left open are not this test's warnings
    result = simulate(load_scenario_text(text, filename="<test>"), steps=3)
    paths = write_plots(result, tmp_path)
    assert {p.name for p in paths} >= FIGURES
    assert frame_count(write_animation(result, tmp_path / "run.gif")) == 4


# --- stances: one panel per dimension, states grouped by bloc, full descriptions ---------


def row_labels(fig, dim: str) -> list[str]:
    (ax,) = [a for a in fig.axes if a.get_gid() == f"stance:{dim}"]
    return [label.get_text() for label in ax.get_yticklabels()]


def test_stances_one_panel_per_dimension_rows_by_final_bloc():
    result = short_run(steps=24)
    fig = stances_figure(result)
    gids = [ax.get_gid() for ax in fig.axes if ax.get_gid()]
    assert sorted(g for g in gids if g.startswith("stance:")) == sorted(
        f"stance:{d}" for d in result.dimensions
    )
    assert sorted(g for g in gids if g.startswith("salience:")) == sorted(
        f"salience:{d}" for d in result.dimensions
    )
    labels = row_labels(fig, result.dimensions[0])
    assert sorted(labels) == sorted(result.names)  # every state, once
    bloc = dict(zip(result.names, result.recorder.bloc[result.steps], strict=True))
    seen = [int(bloc[name]) for name in labels]
    runs = [b for k, b in enumerate(seen) if k == 0 or b != seen[k - 1]]
    assert len(runs) == len(set(seen)), f"a bloc's states are split: {seen}"
    assert runs == sorted(runs, key=lambda b: b if b > 0 else 10**9)  # unaligned last
    plt.close(fig)


def test_stances_descriptions_are_wrapped_not_cut():
    result = short_run()
    fig = stances_figure(result)
    texts = " ".join(t.get_text() for t in fig.texts)
    assert "…" not in texts.replace("−1 … +1", "").replace("0 … 1", "")
    for dim, spec in result.scenario.dimensions.items():
        for word in (spec.description or "").replace("+", " ").replace("-", " ").split():
            if word != "/":
                assert word in texts, f"{dim}: {word!r} missing from the figure"
    width = fig.get_figwidth() * fig.dpi
    fig.canvas.draw()
    for text in fig.texts:  # nothing runs off the right edge
        assert text.get_window_extent().x1 <= width + 1, text.get_text()
    plt.close(fig)


@pytest.mark.parametrize("n_states", [3, 40])
def test_stances_rows_stay_readable(n_states):
    doc = random_document(n_states, n_states=n_states, n_dims=4, steps=6)
    result = simulate(scenario_from(doc), seed=1)
    fig = stances_figure(result)
    fig.canvas.draw()
    ax = next(a for a in fig.axes if a.get_gid() == f"stance:{result.dimensions[0]}")
    labels = sorted(
        (t.get_window_extent() for t in ax.get_yticklabels() if t.get_text()),
        key=lambda box: box.y0,
    )
    assert len(labels) == n_states
    assert all(low.y1 <= high.y0 + 0.5 for low, high in pairwise(labels))
    assert min(t.get_fontsize() for t in ax.get_yticklabels()) >= 9
    plt.close(fig)


# --- network: hostile ties at the hostile level by default, every rival tie on request ---


def hostile_drawn(result, step: int, all_ties: bool) -> int:
    fig, ax = plt.subplots()
    artists = draw_network(ax, result, step, layout(result), all_ties=all_ties)
    count = len(artists.hostile.get_segments())
    plt.close(fig)
    return count


def test_network_leaves_out_rival_ties_unless_all_ties():
    result = short_run()
    thresholds = result.scenario.params.thresholds
    strength = result.recorder.strength[STEPS]
    rival = int(((strength <= thresholds.rival) & (strength > thresholds.hostile)).sum())
    assert rival > 0  # the check below means something
    assert hostile_drawn(result, STEPS, all_ties=False) == (strength <= thresholds.hostile).sum()
    assert hostile_drawn(result, STEPS, all_ties=True) == (strength <= thresholds.rival).sum()
    assert rival_ties_left_out(result, STEPS) == rival
    key = [h.get_label() for h in legend_handles(result, STEPS)]
    assert any(f"not drawn: {rival} rival" in label for label in key)
    key_all = [h.get_label() for h in legend_handles(result, STEPS, all_ties=True)]
    assert not any("rival" in label for label in key_all)


# --- timeline: events dated between steps say when they were applied ---------------------

YEARLY = """name: cold-war-yearly
calendar: {start: 1955, step: year}
steps: 10
dimensions:
  ideology: {kind: shared, description: "+ communist / - capitalist"}
states:
  USSR: {power: 1, interests: {ideology: 0.9}}
  USA: {power: 1, interests: {ideology: -0.9}}
watch:
  pairs: [[USSR, USA]]
events:
  - {id: crisis, at: 1962-10, note: Cuban missile crisis,
     tie: [{between: [USSR, USA], shift: -0.3}]}
  - {id: hotline, at: "1963", note: Moscow–Washington hotline,
     tie: [{between: [USSR, USA], shift: 0.1}]}
"""


def test_timeline_names_the_step_an_event_was_applied_at():
    result = simulate(load_scenario_text(YEARLY, filename="<yearly>"))
    crisis, hotline = fired_events(result)
    assert (crisis.step, crisis.applied, crisis.dated) == (8, "1963", "1962-10")
    assert crisis.late and crisis.label() == "Cuban missile crisis (dated 1962-10)"
    assert (hotline.step, hotline.applied, hotline.late) == (8, "1963", False)
    assert hotline.label() == "Moscow–Washington hotline"
    assert scenario_events_fired(result)[0] == (8, "1962-10", "Cuban missile crisis")
    fig = timeline_figure(result)
    texts = "\n".join(t.get_text() for t in fig.texts)
    assert "1. 1963: Cuban missile crisis (dated 1962-10) · Moscow–Washington hotline" in texts
    assert "first step on or after the event's own date" in " ".join(texts.split())
    plt.close(fig)


def test_timeline_quarterly_event_dates():
    result = short_run()
    events = {e.note: e for e in fired_events(result)}
    crimea = events["Crimea annexed; Western sanctions on Russia"]
    assert (crimea.applied, crimea.dated, crimea.late) == ("2014-Q2", "2014-03", True)


# --- compare: a symmetric axis no narrower than a level band ------------------------------


@pytest.fixture(scope="module")
def small_comparison(tmp_path_factory):
    """The flagship and its TAPI counterfactual, 16 quarters: ends differ by about 0.01."""
    root = tmp_path_factory.mktemp("compare")
    folders = []
    for name, path in (("a", FLAGSHIP), ("b", FLAGSHIP.parent / "counterfactuals" /
                                           "tapi_blocked.yaml")):  # fmt: skip
        result = simulate(load_scenario(path), seed=7, steps=16)
        started = datetime(2025, 1, 1, tzinfo=UTC)
        folders.append(write_run_folder(result, root / name, command=["t"], started=started))
    return compare_runs(*folders), compare_runs(folders[0], folders[0])


def test_compare_axis_is_symmetric_with_a_level_band_floor(small_comparison):
    comparison, _same = small_comparison
    thresholds = comparison.a.scenario.params.thresholds
    band = thresholds.partner - thresholds.rival
    assert 0 < comparison.table["change"].abs().max() < 0.1 * band  # small differences
    fig = comparison_figure(comparison)
    left = fig.axes[0]
    low, high = left.get_xlim()
    assert low == -high and high >= band - 1e-12
    shown = [t.get_text() for t in left.get_yticklabels()]
    changed = comparison.table[comparison.table["change"].abs() >= CHANGE_TOLERANCE]
    assert sorted(shown) == sorted(f"{r.source}–{r.target}" for r in changed.itertuples())
    assert len(shown) < len(comparison.table)  # ties with no change at the end left out
    plt.close(fig)


def test_compare_says_when_no_tie_differs(small_comparison):
    _comparison, same = small_comparison
    fig = comparison_figure(same)
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert any(t.startswith("no tie differs at the end") for t in texts)
    assert not fig.axes[0].patches  # no bars
    plt.close(fig)
