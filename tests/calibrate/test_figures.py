"""The calibration figures, drawn from tables as a calibration folder holds them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alignsim.viz.calibrate import (
    _bins,
    busiest_pairs,
    level_bands,
    observed_figure,
    observed_y,
    posterior_figure,
)

THRESHOLDS = {"hostile": -0.6, "rival": -0.2, "partner": 0.2, "alliance": 0.6}


def test_a_narrow_posterior_gets_bins_across_its_interval() -> None:
    assert len(_bins(0.0, 1.0, 0.5)) == 21  # twenty over the range
    edges = _bins(0.0, 1.5, 0.08)  # an interval of 0.08: eight bins across it
    assert edges[1] - edges[0] == pytest.approx(0.01, rel=0.1)
    assert len(_bins(0.0, 1.0, 1e-6)) == 201  # at most 200


def test_observations_are_drawn_in_their_band() -> None:
    bands = level_bands(THRESHOLDS)
    row = pd.Series({"kind": "level", "level": "formal_alliance", "value": np.nan, "sign": 1})
    assert observed_y(row, bands) == pytest.approx(0.8)
    assert observed_y(pd.Series({"kind": "strength", "value": 0.33, "sign": 1}), bands) == 0.33
    sign = pd.Series({"kind": "sign", "value": -1.0, "sign": -1})
    assert observed_y(sign, bands) == pytest.approx(-0.6)  # the middle of rival and hostile


def test_one_panel_per_pair_and_per_parameter() -> None:
    steps = range(5)
    fan = pd.DataFrame(
        [{"step": s, "source": a, "target": b, "q05": -0.2, "q25": 0.0, "q50": 0.1, "q75": 0.2,
          "q95": 0.4} for a, b in (("A", "B"), ("A", "C")) for s in steps]
    )  # fmt: skip
    observations = pd.DataFrame(
        [{"step": 2, "source": "A", "target": "B", "kind": "level", "level": "partner",
          "value": np.nan, "sign": 1, "period": "train"},
         {"step": 4, "source": "A", "target": "C", "kind": "sign", "level": "", "value": -1.0,
          "sign": -1, "period": "test"}]
    )  # fmt: skip
    dates = [f"201{s}" for s in steps]
    figure = observed_figure(fan, observations, THRESHOLDS, dates, "heading", test_from=3)
    assert [ax.get_title(loc="left") for ax in figure.axes if ax.get_visible()][:2] == [
        "A–B", "A–C"
    ]  # fmt: skip
    particles = pd.DataFrame({"x": [0.2, 0.3, 0.4], "weight": [0.2, 0.5, 0.3]})
    estimates = pd.DataFrame([{"parameter": "x", "estimate": 0.3, "low": 0.21, "high": 0.39}])
    figure = posterior_figure(particles, {"x": (0.0, 1.0)}, estimates, "heading", {"x": 0.3})
    assert figure.axes[0].get_title(loc="left") == "x"
    assert figure.axes[0].get_xlim() == (0.0, 1.0)


def test_a_whole_network_shows_the_pairs_whose_sign_changes_most() -> None:
    histories = {
        ("A", "B"): [1, 1, 1, 1, 1, 1, 1, 1],  # no change
        ("A", "C"): [0, 0, 0, 1, 1, 1, 1, 1],  # one
        ("A", "D"): [1, -1, -1, 0, 0, 1, 1, 1],  # three, eight observations
        ("B", "C"): [-1, -1, 0, 0, -1, -1, -1, -1],  # two
        ("B", "D"): [1, 0, 1, 0, 0, 0],  # three, six observations
    }
    rows = [{"step": s, "source": a, "target": b, "kind": "sign", "level": "",
             "value": float(v), "sign": v, "period": "train"}
            for (a, b), signs in histories.items() for s, v in enumerate(signs)]  # fmt: skip
    observations = pd.DataFrame(rows).sample(frac=1.0, random_state=1)  # any row order
    assert busiest_pairs(observations, 3) == [("A", "D"), ("B", "D"), ("B", "C")]
    fan = pd.DataFrame(
        [{"step": s, "source": a, "target": b, "q05": 0, "q25": 0, "q50": 0, "q75": 0,
          "q95": 0} for a, b in histories for s in range(8)]
    )  # fmt: skip
    dates = [str(2000 + s) for s in range(8)]
    figure = observed_figure(fan, observations, THRESHOLDS, dates, "heading", limit=4)
    titles = [ax.get_title(loc="left") for ax in figure.axes if ax.get_title(loc="left")]
    assert titles == ["A–D", "B–D", "B–C", "A–C"]
    suptitle = figure.get_suptitle()
    assert "the 4 of 5 observed pairs whose observed sign changes most" in suptitle
    every = observed_figure(fan, observations, THRESHOLDS, dates, "heading", limit=5)
    assert len([ax for ax in every.axes if ax.get_title(loc="left")]) == 5
    assert every.get_suptitle() == "heading"
