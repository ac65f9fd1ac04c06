"""summary.csv of steps that may never come, read the same way by the figures and compare."""

from __future__ import annotations

import math
import os

import pandas as pd
import pytest

from alignsim.analysis.ensembles import compare_by
from alignsim.sweep import execute, read_manifest, read_runs
from alignsim.viz import sweep_plots
from tests.sweep.conftest import FLAGSHIP

SWEEP = """\
scenario: {scenario}
steps: 12
replications: 6
parameters: {{params.balance_weight: [0.1, 0.9]}}
outcomes:
  - first_triangle_step
  - {{name: rp_alliance, value: "first step when level(Russia, Pakistan) >= alliance"}}
"""


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("never")
    path = tmp / "never.yaml"
    path.write_text(SWEEP.format(scenario=os.path.relpath(FLAGSHIP, tmp)), encoding="utf-8")
    execute(path, tmp / "out", workers=1, progress=False)
    return tmp / "out"


def test_the_manifest_lists_the_columns_whose_minus_one_means_never(folder):
    assert read_manifest(folder)["never_columns"] == [
        "first_triangle_step.China-Russia-Pakistan", "rp_alliance"
    ]  # fmt: skip


def test_a_step_that_never_came_is_left_out_of_the_mean_and_counted(folder):
    runs = read_runs(folder)
    summary = pd.read_csv(folder / "summary.csv")
    for point in (0, 1):
        values = runs.loc[runs["point"] == point, "rp_alliance"]
        came = values[values >= 0]
        row = summary[summary["point"] == point].iloc[0]
        assert row["P(rp_alliance=never)"] == pytest.approx((values < 0).mean())
        if came.empty:
            assert math.isnan(row["rp_alliance.mean"])
        else:
            assert row["rp_alliance.mean"] == pytest.approx(came.mean())
    # at balance weight 0.1 Russia–Pakistan never reaches alliance level in 12 steps
    assert (runs.loc[runs["point"] == 0, "rp_alliance"] == -1).all()


def test_figures_and_compare_leave_never_out_as_the_summary_does(folder):
    runs = read_runs(folder)
    manifest = read_manifest(folder)
    figures = dict(sweep_plots.sweep_figures(runs, manifest))
    axis = figures["rp_alliance.png"].axes[0]
    assert axis.get_ylabel().replace("\n", " ") == (
        "first step when level(Russia, Pakistan) >= alliance"
    )
    table = compare_by(folder, "params.balance_weight").table.set_index("outcome")
    row = table.loc["rp_alliance"]  # paired: no replication where it came on both sides
    assert row["n_pairs"] == 0 and math.isnan(row["difference"])
    never = table.loc["P(rp_alliance=never)"]  # what changed: it comes at 0.9, never at 0.1
    assert (never["a"], never["b"], never["difference"]) == (1.0, 0.0, -1.0)
    assert never["ci_high"] < 0
