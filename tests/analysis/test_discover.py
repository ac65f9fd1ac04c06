"""Scenario discovery (``alignsim discover``): PRIM finds a known box, reads real sweeps,
and turns bad input into one-line errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alignsim.analysis.discover import (
    DiscoverError,
    choose_box,
    describe,
    discover,
    find_boxes,
    resolve_outcome,
)
from alignsim.cli import main
from alignsim.sweep.runner import execute
from alignsim.workflows.discover import run_discover
from tests.sweep.conftest import FAILING_PARAMETERS, write_sweep

# --- a synthetic table whose box is known -------------------------------------------------


def _uniform(n: int = 1000, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({name: rng.uniform(size=n) for name in ("x", "y", "noise")})


def _chosen(x: pd.DataFrame, y: np.ndarray) -> pd.Series:
    boxes, _ranges = find_boxes(x, y)
    return boxes.iloc[choose_box(boxes)]


def test_prim_finds_the_box_the_outcome_was_made_from():
    x = _uniform()
    box = _chosen(x, ((x["x"] > 0.5) & (x["y"] < 0.3)).to_numpy())
    assert box["x.low"] == pytest.approx(0.5, abs=0.03)
    assert box["y.high"] == pytest.approx(0.3, abs=0.03)
    assert box["restricted"] == 2  # x from below, y from above; noise left whole
    assert box["noise.low"] == x["noise"].min() and box["noise.high"] == x["noise"].max()
    assert box["density"] >= 0.95 and box["coverage"] >= 0.9


def test_prim_keeps_the_categories_where_the_outcome_holds():
    x = _uniform()
    x["date"] = np.random.default_rng(4).choice(["2015-01", "2016-09", "2018-01"], len(x))
    box = _chosen(x, ((x["x"] > 0.5) & (x["date"] != "2018-01")).to_numpy())
    assert box["date.values"] == "2015-01; 2016-09"
    assert box["x.low"] == pytest.approx(0.5, abs=0.03)


def test_a_parameter_with_one_value_stays_whole_and_none_at_all_is_an_error():
    x = _uniform(400)
    x["fixed"] = "only"
    boxes, ranges = find_boxes(x, (x["x"] > 0.7).to_numpy())
    assert set(boxes["fixed.values"]) == {"only"}
    assert list(ranges["parameter"]) == ["x", "y", "noise", "fixed"]
    with pytest.raises(DiscoverError, match="no parameter takes more than one value"):
        find_boxes(x[["fixed"]], (x["x"] > 0.7).to_numpy())


def test_the_default_box_is_the_densest_with_coverage_of_at_least_0_8():
    boxes = pd.DataFrame({"box": [0, 1, 2, 3, 4], "coverage": [1.0, 0.95, 0.85, 0.79, 0.5],
                          "density": [0.3, 0.6, 0.9, 0.99, 1.0]})  # fmt: skip
    assert choose_box(boxes) == 2
    assert choose_box(boxes, min_coverage=0.5) == 4
    tied = boxes.assign(density=[0.3, 0.9, 0.9, 0.99, 1.0])
    assert choose_box(tied) == 1  # as dense, more coverage


# --- naming the outcome ------------------------------------------------------------------

MANIFEST = {
    "outcome_kinds": {
        "triangle_alliance.China-Russia-Pakistan": "binary",
        "first_triangle_step.China-Russia-Pakistan": "int",
        "final_strength.Russia-Pakistan": "float",
        "final_strength.China-Pakistan": "float",
        "bloc_of.Pakistan": "category",
    }
}


def test_an_outcome_with_one_column_is_named_by_its_outcome_alone():
    outcome = resolve_outcome(MANIFEST, "triangle_alliance", None)
    assert outcome.column == "triangle_alliance.China-Russia-Pakistan"
    assert outcome.condition == "triangle_alliance.China-Russia-Pakistan = 1"
    numeric = resolve_outcome(MANIFEST, "final_strength.Russia-Pakistan", 0.5)
    assert numeric.condition == "final_strength.Russia-Pakistan ≥ 0.5"
    assert numeric.slug == "final_strength.Russia-Pakistan-ge-0.5"
    assert list(numeric.holds(pd.Series([0.2, 0.5, 0.9]))) == [False, True, True]
    category = resolve_outcome(MANIFEST, "bloc_of.Pakistan=China", None)
    assert (category.column, category.value) == ("bloc_of.Pakistan", "China")


@pytest.mark.parametrize(
    ("name", "threshold", "message"),
    [
        ("triangle_aliance", None, "did you mean triangle_alliance?"),
        ("banana", None, "its outcomes: bloc_of, final_strength"),
        ("final_strength", 0.5, "2 columns of it; name one: final_strength.Russia-Pakistan"),
        ("final_strength.Russia-Pakistan", None, "give --threshold X"),
        ("first_triangle_step", None, "give --threshold X"),
        ("triangle_alliance", 0.5, "--threshold 0.5: .* is 0/1 already"),
        ("bloc_of.Pakistan", 1.0, "is a category; name the value"),
        ("final_strength.Russia-Pakistan", float("inf"), "finite number"),
    ],
)
def test_a_badly_named_outcome_or_threshold_is_refused(name, threshold, message):
    with pytest.raises(DiscoverError, match=message):
        resolve_outcome(MANIFEST, name, threshold)


# --- real sweeps -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dated_sweep(tmp_path_factory) -> Path:
    """The flagship over two Druzhba dates × two balance weights, 3 replications, 12 steps:
    the triangle is an alliance at weight 0.8; it forms at step 5 or later only with the
    late date and weight 0.2."""
    folder = tmp_path_factory.mktemp("dated")
    parameters = '  events.druzhba_2016.at: ["2014-06", "2018-01"]\n' \
                 "  params.balance_weight: [0.2, 0.8]\n"  # fmt: skip
    path = write_sweep(folder, steps=12, parameters=parameters,
                       outcomes="[triangle_alliance, first_triangle_step, bloc_of]")  # fmt: skip
    execute(path, folder / "sweep", workers=1, progress=False)
    return folder / "sweep"


@pytest.fixture(scope="module")
def failing_sweep(tmp_path_factory) -> Path:
    """Half of its 12 runs fail (a shift makes noise negative at run time)."""
    folder = tmp_path_factory.mktemp("failing")
    path = write_sweep(folder, parameters=FAILING_PARAMETERS, outcomes="[final_strength]")
    execute(path, folder / "sweep", workers=1, progress=False)
    return folder / "sweep"


@pytest.mark.slow
def test_a_binary_outcome_of_a_real_sweep(dated_sweep):
    found = discover(dated_sweep, "triangle_alliance")
    assert (found.runs, found.cases, found.failed) == (12, 6, 0)
    box = found.box().set_index("parameter")
    assert bool(box.loc["params.balance_weight", "restricted"])
    assert 0.2 < box.loc["params.balance_weight", "low"] <= 0.8
    assert not box.loc["events.druzhba_2016.at", "restricted"]
    assert box.loc["params.balance_weight", "limits"].startswith("≥ ")
    assert (box["coverage"].iloc[0], box["density"].iloc[0]) == (1.0, 1.0)
    text = "\n".join(describe(found))
    assert "in 6 of 12 finished runs" in text
    assert "coverage 1.00" in text and "density 1.00" in text
    assert "the sweep's values 0.8 of 0.2, 0.8" in text


@pytest.mark.slow
def test_a_date_parameter_is_restricted_to_the_dates_where_the_outcome_holds(dated_sweep):
    found = discover(dated_sweep, "first_triangle_step", threshold=5)
    box = found.box().set_index("parameter")
    assert box.loc["events.druzhba_2016.at", "values"] == "2018-01"
    assert box.loc["events.druzhba_2016.at", "limits"] == "one of 2018-01"
    assert box.loc["params.balance_weight", "high"] < 0.8
    assert found.boxes.iloc[found.chosen]["restricted"] == 2
    assert "first_triangle_step.China-Russia-Pakistan ≥ 5" in describe(found)[0]


@pytest.mark.slow
def test_failed_runs_are_left_out_and_counted(failing_sweep):
    found = discover(failing_sweep, "final_strength.Russia-Pakistan", threshold=0.4)
    assert (found.runs, found.failed) == (6, 6)
    assert "left out: 6 failed runs" in describe(found)
    box = found.box().set_index("parameter")
    noise = "events.crimea_sanctions.param.shift.noise"
    assert not box.loc[noise, "restricted"]  # one value in the finished runs


@pytest.mark.slow
def test_box_k_picks_another_box_of_the_trajectory(dated_sweep):
    found = discover(dated_sweep, "triangle_alliance", box=0)
    assert found.chosen == 0 and found.min_coverage is None
    assert not found.box()["restricted"].any()
    with pytest.raises(DiscoverError, match=r"--box 99: the peeling trajectory has boxes 0 to"):
        discover(dated_sweep, "triangle_alliance", box=99)


@pytest.mark.slow
def test_the_files_and_a_second_run_into_the_same_folder(dated_sweep, tmp_path):
    done = run_discover(dated_sweep, "triangle_alliance", out=tmp_path / "d")
    boxes = pd.read_csv(done.boxes)
    assert list(boxes.columns[:7]) == ["box", "coverage", "density", "mass", "runs", "cases",
                                       "restricted"]  # fmt: skip
    assert {"params.balance_weight.low", "events.druzhba_2016.at.values"} <= set(boxes.columns)
    box = pd.read_csv(done.box)
    assert list(box["parameter"]) == ["events.druzhba_2016.at", "params.balance_weight"]
    assert done.figure.stat().st_size > 10_000
    with pytest.raises(DiscoverError, match="the folder is not empty"):
        run_discover(dated_sweep, "triangle_alliance", out=tmp_path / "d")


# --- the command line --------------------------------------------------------------------


@pytest.mark.slow
def test_discover_prints_the_box_and_writes_into_the_sweep_folder(dated_sweep, capsys):
    assert main(["discover", str(dated_sweep), "--outcome", "first_triangle_step",
                 "--threshold", "5"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    folder = dated_sweep / "discover" / "first_triangle_step.China-Russia-Pakistan-ge-5"
    assert "events.druzhba_2016.at one of 2018-01 (not 2014-06)" in out
    assert f"figure: {folder / 'discover.png'}" in out
    assert sorted(p.name for p in folder.iterdir()) == ["box.csv", "boxes.csv", "discover.png"]
    assert main(["discover", str(dated_sweep), "--outcome", "first_triangle_step",
                 "--threshold", "5"]) == 2  # fmt: skip
    assert "give --out or remove it" in capsys.readouterr().err


def _refused(capsys, *args: str) -> str:
    """Run ``alignsim discover ARGS``; it exits 2 with one line on stderr, which is returned."""
    assert main(["discover", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("alignsim discover: ")
    return err


@pytest.mark.slow
def test_bad_input_is_one_line_and_exit_2(dated_sweep, tmp_path, capsys):
    sweep, out = str(dated_sweep), str(tmp_path / "never")
    assert f"{tmp_path}: not a sweep folder" in _refused(capsys, str(tmp_path), "--outcome", "x")
    assert "no such sweep folder" in _refused(capsys, str(tmp_path / "none"), "--outcome", "x")
    assert "did you mean triangle_alliance" in _refused(
        capsys, sweep, "--outcome", "triangle_aliance", "--out", out
    )
    assert "give --threshold X" in _refused(capsys, sweep, "--outcome", "first_triangle_step")
    assert "0/1 already" in _refused(
        capsys, sweep, "--outcome", "triangle_alliance", "--threshold", "1"
    )
    assert "none of the 12 finished runs" in _refused(
        capsys, sweep, "--outcome", "first_triangle_step", "--threshold", "50"
    )
    assert "--box 7: the peeling trajectory has boxes 0 to" in _refused(
        capsys, sweep, "--outcome", "triangle_alliance", "--box", "7", "--out", out
    )
    assert "name the value of interest" in _refused(capsys, sweep, "--outcome", "bloc_of.India")
    assert not Path(out).exists()
