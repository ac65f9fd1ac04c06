"""Figures of a run where states enter and leave: an absent state is drawn as absent."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_rgba

from alignsim.model import simulate
from alignsim.scenario import load_scenario_text
from alignsim.viz.figures import write_plots
from alignsim.viz.heatmap import shown_strength
from alignsim.viz.network import ABSENT, NetworkArtists, layout, left_out, legend_handles
from alignsim.viz.style import bloc_names
from alignsim.viz.timeline import in_the_world

NEWCOMER = """\
name: newcomer
calendar: {start: 1950, step: year}
steps: 30
seed: 3
dimensions:
  security: {kind: shared}
  trade: {kind: complementary}
states:
  Atlantia: {power: 1.0, interests: {security: 0.8, trade: 0.5}}
  Borealis: {power: 0.6, interests: {security: 0.6, trade: -0.4}}
  Cascadia: {power: 0.5, interests: {security: -0.7, trade: -0.6}}
  Drava: {power: 0.3, interests: {security: -0.5, trade: 0.6},
          active: [{until: '1956'}, {from: '1964'}]}
  Estoria: {power: 0.4, interests: {security: 0.7, trade: 0.3}, active: {from: '1960'}}
relations:
  - {between: [Atlantia, Borealis], value: 0.6}
  - {between: [Atlantia, Cascadia], value: -0.5}
  - {between: [Cascadia, Drava], value: 0.5}
  - {between: [Atlantia, Estoria], value: 0.4}
watch:
  pairs: [[Atlantia, Estoria], [Cascadia, Drava]]
"""
DRAVA, ESTORIA = 3, 4
#: Steps at which Drava (out 1957–1963) and Estoria (in from 1960) are absent.
OUT = {DRAVA: range(7, 14), ESTORIA: range(10)}


@pytest.fixture(scope="module")
def result():
    return simulate(load_scenario_text(NEWCOMER, filename="newcomer.yaml"))


def absent_at(step: int) -> set[int]:
    return {i for i, steps in OUT.items() if step in steps}


def test_every_figure_is_written(result, tmp_path):
    written = write_plots(result, tmp_path)
    assert len(written) == 12 and all(path.stat().st_size > 0 for path in written)


@pytest.mark.parametrize("step", [0, 8, 12, 30])
def test_the_network_draws_an_absent_state_as_an_empty_grey_circle(result, step):
    fig, ax = plt.subplots()
    artists = NetworkArtists(ax, result, layout(result), all_ties=False)
    artists.update(step)
    faces, edges = artists.nodes.get_facecolors(), artists.nodes.get_edgecolors()
    for i in range(len(result.names)):
        out = i in absent_at(step)
        assert tuple(faces[i]) == (to_rgba("white") if out else tuple(faces[i]))
        assert tuple(edges[i]) == to_rgba(ABSENT if out else "black")
        assert artists.labels[i].get_color() == (ABSENT if out else "black")
        if not out:
            assert tuple(faces[i]) != to_rgba("white")
    plt.close(fig)


def test_the_key_names_the_absent_and_not_them_as_unaligned(result):
    labels = [h.get_label() for h in legend_handles(result, 8)]
    assert "not in the world at that date" in labels
    assert "not in the world at that date" not in [
        h.get_label() for h in legend_handles(result, 30)
    ]
    assert not result.recorder.bloc[8][[DRAVA, ESTORIA]].any()
    assert "unaligned" not in bloc_names(result, 8).values()
    # at 1958 the 7 pairs with Drava or Estoria read 0, and are not neutral ties left out
    assert "0 neutral" in left_out(result, all_ties=False, step=8)


def test_heat_map_and_timeline_leave_absent_pairs_blank(result):
    order = list(range(len(result.pairs)))
    data, there = shown_strength(result, order)
    for column, (a, b) in enumerate(result.pairs):
        i, j = result.names.index(a), result.names.index(b)
        out = np.array([bool(absent_at(s) & {i, j}) for s in range(result.steps + 1)])
        assert np.isnan(data[column]).tolist() == out.tolist()
        assert there[:, column].tolist() == (~out).tolist()
    line = in_the_world(result, "Atlantia", "Estoria")
    assert np.isnan(line[:10]).all() and not np.isnan(line[10:]).any()
