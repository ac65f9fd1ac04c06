"""``discover.png``: drawn from the tables alone, readable on a projector, nothing cut off."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from PIL import Image

from alignsim.analysis.discover import box_table, choose_box, find_boxes
from alignsim.viz.discover import discover_figure, write_discover_figure

TITLE = "Where does outcome = 1 hold? Scenario discovery with PRIM\nsynthetic: 1000 runs"


@pytest.fixture(scope="module")
def tables() -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """The trajectory, the chosen box and its index for x > 0.5, y < 0.3, a date not 2018."""
    rng = np.random.default_rng(7)
    x = pd.DataFrame({
        "params.balance_weight": rng.uniform(size=1000),
        "states.Russia.interests.opposition_to_us": rng.uniform(size=1000),
        "params.noise": rng.choice([0.0, 0.05, 0.1], 1000),
        "events.druzhba_2016.at": rng.choice(["2014-06", "2016-09", "2018-01"], 1000),
    })  # fmt: skip
    y = (x["params.balance_weight"] > 0.5) & (x["states.Russia.interests.opposition_to_us"] < 0.3)
    y &= x["events.druzhba_2016.at"] != "2018-01"
    boxes, ranges = find_boxes(x, y.to_numpy())
    chosen = choose_box(boxes)
    return boxes, box_table(boxes, ranges, chosen), chosen


def _texts(fig: plt.Figure) -> list:
    """The texts the figure draws: visible, not empty, and no label of a tick that lies
    outside its axis (matplotlib keeps those, but does not draw them)."""
    hidden = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            for tick in axis.get_major_ticks():
                if not low - 1e-9 <= tick.get_loc() <= high + 1e-9:
                    hidden |= {id(tick.label1), id(tick.label2)}
    found = [t for t in fig.findobj(plt.Text)
             if t.get_visible() and t.get_text().strip() and id(t) not in hidden]  # fmt: skip
    assert found
    return found


def test_the_figure_has_the_trajectory_and_a_strip_per_parameter(tables):
    boxes, box, chosen = tables
    fig = discover_figure(boxes, box, chosen, TITLE, min_coverage=0.8, note="In words: …")
    try:
        assert len(fig.axes) == 1 + len(box)
        strips = [ax.get_title(loc="left") for ax in fig.axes[1:]]
        assert strips[0].startswith("params.balance_weight: ≥ 0.")
        assert strips[2].startswith("params.noise: not restricted")
        assert strips[3] == "events.druzhba_2016.at: one of 2014-06, 2016-09"
        words = " ".join(t.get_text() for t in _texts(fig))
        assert f"box {chosen}\ncoverage" in words and "In words: …" in words
        assert "the default box" in words  # the rule's line is in the legend
    finally:
        plt.close(fig)


def test_every_text_is_at_least_12_points_and_inside_the_figure(tables):
    boxes, box, chosen = tables
    fig = discover_figure(boxes, box, chosen, TITLE, min_coverage=0.8, note="In words: " * 20)
    try:
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        width, height = fig.canvas.get_width_height()
        for text in _texts(fig):
            assert text.get_fontsize() >= 12, text.get_text()
            extent = text.get_window_extent(renderer)
            assert extent.x0 >= 0 and extent.y0 >= 0, text.get_text()
            assert extent.x1 <= width and extent.y1 <= height, text.get_text()
        legend = fig.axes[0].get_legend().get_window_extent(renderer)
        assert legend.x1 < min(ax.get_window_extent(renderer).x0 for ax in fig.axes[1:])
    finally:
        plt.close(fig)


def test_the_png_is_written_from_tables_read_back_from_csv(tables, tmp_path):
    boxes, box, chosen = tables
    boxes.to_csv(tmp_path / "boxes.csv", index=False)
    box.to_csv(tmp_path / "box.csv", index=False)
    path = write_discover_figure(pd.read_csv(tmp_path / "boxes.csv"),
                                 pd.read_csv(tmp_path / "box.csv"), chosen, TITLE,
                                 tmp_path / "discover.png")  # fmt: skip
    image = np.asarray(Image.open(path).convert("RGB"))
    assert image.shape[1] == 1600 and image.shape[0] >= 800
    assert (image < 128).any() and len(np.unique(image.reshape(-1, 3), axis=0)) > 20


def test_a_trajectory_of_one_box_draws():
    boxes = pd.DataFrame({"box": [0], "coverage": [1.0], "density": [0.4], "mass": [1.0],
                          "runs": [10], "cases": [4], "restricted": [0], "p.low": [0.1],
                          "p.high": [0.9]})  # fmt: skip
    ranges = pd.DataFrame({"parameter": ["p"], "kind": ["numeric"], "low": [0.1],
                           "high": [0.9], "values": ["0.1; 0.9"]})  # fmt: skip
    fig = discover_figure(boxes, box_table(boxes, ranges, 0), 0, TITLE)
    try:
        assert fig.axes[1].get_title(loc="left") == "p: not restricted (0.1 to 0.9)"
        assert fig.axes[0].get_xlim()[1] > 1.0
    finally:
        plt.close(fig)
