"""Forest plots of differences and fan charts of per-step series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alignsim.analysis.ensembles import COLUMNS
from alignsim.viz.ensembles import (
    MAX_ROWS,
    fan_figure,
    fan_quantiles,
    forest_figure,
    short_point,
    unit_of,
)


def _table(outcomes: list[str], points: list[str]) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = []
    for point in points:
        for outcome in outcomes:
            d = float(rng.normal(0, 0.1))
            rows.append({"outcome": outcome, "point": point, "a": 0.5, "b": 0.5 + d,
                         "difference": d, "ci_low": d - 0.05, "ci_high": d + 0.05,
                         "paired": True})  # fmt: skip
    return pd.DataFrame(rows).reindex(columns=COLUMNS)


def _texts(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.get_yticklabels()]


def test_a_forest_plot_has_a_panel_per_unit_and_a_row_per_difference():
    table = _table(["final_strength.Russia-Pakistan", "P(triangle_formed.China-Russia-Pakistan)",
                    "first_triangle_step.China-Russia-Pakistan"], ["all"])  # fmt: skip
    fig = forest_figure(table, "heading")
    assert len(fig.axes) == 3
    assert [ax.get_xlabel() for ax in fig.axes] == [
        "difference B − A (tie strength (−1…1))", "difference B − A (probability)",
        "difference B − A (steps)",
    ]  # fmt: skip
    assert _texts(fig) == ["Russia–Pakistan tie strength at the end",
                           "P(China–Russia–Pakistan triangle formed)",
                           "first step the China–Russia–Pakistan triangle forms"]  # fmt: skip
    for ax in fig.axes:  # 0 is inside every panel, and so is every interval
        low, high = ax.get_xlim()
        assert low < 0 < high


def test_a_forest_plot_of_many_differences_draws_the_clearest_and_says_so():
    points = [f"params.balance_weight={v}" for v in range(30)]
    table = _table(["final_strength.Russia-Pakistan", "final_strength.China-Russia"], points)
    fig = forest_figure(table, "heading")
    assert len(_texts(fig)) == MAX_ROWS
    assert f"{MAX_ROWS} of {len(table)} differences drawn" in fig._suptitle.get_text()
    assert all(" · balance_weight=" in t for t in _texts(fig))


def test_units_and_points_in_words():
    assert unit_of("P(bloc_of.Pakistan=China)") == "probability"
    assert unit_of("final_strength.A-B") == "tie strength (−1…1)"
    assert short_point("scenario=flagship, params.balance_weight=0.2") == (
        "scenario=flagship, balance_weight=0.2"
    )


def _series(runs: int, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    rows = []
    for run in range(runs):
        for step in range(9):
            date = f"{2014 + step // 4}-Q{step % 4 + 1}"
            rows.append((run, step, date, "strength.A-B", 0.1 * step + shift + rng.normal(0, 0.05)))
            rows.append((run, step, date, "strength.C-D", -0.3 + rng.normal(0, 0.01)))
            rows.append((run, step, date, "same_bloc.A-B", float(run % 4 == 0)))
    return pd.DataFrame(rows, columns=["run", "step", "date", "outcome", "value"])


def test_fan_quantiles_are_the_replications_quantiles():
    series = _series(40)
    fan = fan_quantiles(series)
    one = series[(series["outcome"] == "strength.A-B") & (series["step"] == 3)]["value"]
    row = fan[(fan["outcome"] == "strength.A-B") & (fan["step"] == 3)].iloc[0]
    assert row["q50"] == pytest.approx(one.median())
    assert row["q05"] == pytest.approx(one.quantile(0.05))
    assert row["q95"] == pytest.approx(one.quantile(0.95))
    assert row["runs"] == 40


def test_a_fan_chart_draws_both_sides_and_shares_as_shares():
    dates = [f"{2014 + s // 4}-Q{s % 4 + 1}" for s in range(9)]
    fig = fan_figure([("A", _series(20)), ("B", _series(20, 0.2))], dates, "heading",
                     y_label=None)  # fmt: skip
    panels = [ax for ax in fig.axes if ax.axison]
    titles = [ax.get_title(loc="left") for ax in panels]
    assert titles == ["A–B tie strength (−1…1)", "C–D tie strength (−1…1)",
                      "A–B: share of runs in one bloc"]  # fmt: skip
    share = panels[2]
    assert share.get_ylim() == (-0.05, 1.05)
    assert [line.get_ydata()[0] for line in share.get_lines()] == [0.25, 0.25]  # 5 of 20 runs
    # the two strength panels share one range, so C–D's small wiggle is not blown up
    assert panels[0].get_ylim() == panels[1].get_ylim()
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["A", "B"]
