"""Figures of a sweep folder: one parameter (lines with bands), two (phase diagrams)."""

from __future__ import annotations

import numpy as np
from PIL import Image

from alignsim.sweep.runner import execute
from alignsim.viz.sweep_plots import write_sweep_plots

ONE = "  events.1.at: ['2015-01', '2018-01']\n"
TWO = "  params.balance_weight: [0.2, 0.8]\n  events.1.at: ['2015-01', '2018-01']\n"


def _sweep(tmp_path, make_sweep, parameters, outcomes=None):
    path = make_sweep(tmp_path, steps=4, replications=2, parameters=parameters, outcomes=outcomes)
    out = tmp_path / "out"
    execute(path, out, workers=1, progress=False, plots=False)
    return out


def _not_blank(path):
    pixels = np.asarray(Image.open(path).convert("L"), dtype=float)
    assert pixels.shape[0] > 200 and pixels.shape[1] > 300
    assert pixels.var() > 100, f"{path.name} looks blank"


def _check(out):
    paths = write_sweep_plots(out)
    assert paths and all(p.parent == out / "plots" for p in paths)
    first = {p.name: p.read_bytes() for p in paths}
    for path in paths:
        _not_blank(path)
    again = write_sweep_plots(out)
    assert [p.name for p in again] == [p.name for p in paths]
    assert {p.name: p.read_bytes() for p in again} == first, "regenerated figures differ"
    return {p.name for p in paths}


def test_one_parameter_gives_outcome_figures(tmp_path, make_sweep):
    names = _check(_sweep(tmp_path, make_sweep, ONE))
    assert {"triangle.png", "final_strength.png", "first_triangle_step.png", "bloc_of.png"} <= names


def test_two_parameters_give_phase_diagrams(tmp_path, make_sweep):
    names = _check(_sweep(tmp_path, make_sweep, TWO, "[triangle_formed, final_strength]"))
    assert "phase_triangle_formed_china_russia_pakistan.png" in names
    assert "phase_final_strength_russia_pakistan.png" in names
    assert all(n.startswith("phase_") for n in names)


def test_three_parameters_give_small_multiples(tmp_path, make_sweep):
    three = TWO + "  params.history_weight: [0.3, 0.9]\n"
    path = make_sweep(tmp_path, steps=3, replications=1, parameters=three,
                      outcomes="[final_strength, triangle_formed]")  # fmt: skip
    out = tmp_path / "out"
    execute(path, out, workers=1, progress=False, plots=False)
    paths = write_sweep_plots(out)
    assert {p.name for p in paths} == {"final_strength_by_parameter.png",
                                       "triangle_by_parameter.png"}  # fmt: skip
    for p in paths:
        _not_blank(p)
