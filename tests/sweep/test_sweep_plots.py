"""Figures of a sweep folder: one parameter (lines with bands), two (phase diagrams)."""

from __future__ import annotations

import numpy as np
from PIL import Image

from alignsim.sweep.runner import execute
from alignsim.sweep.storage import read_manifest, read_runs
from alignsim.viz import sweep_plots
from alignsim.workflows.sweep import draw_sweep_figures as write_sweep_plots

ONE = "  events.1.at: ['2015-01', '2018-01']\n"
TWO = "  params.balance_weight: [0.2, 0.8]\n  events.1.at: ['2015-01', '2018-01']\n"


def _sweep(tmp_path, make_sweep, parameters, outcomes=None):
    path = make_sweep(tmp_path, steps=4, replications=2, parameters=parameters, outcomes=outcomes)
    out = tmp_path / "out"
    execute(path, out, workers=1, progress=False)
    return out


def sweep_figures(out):
    """The figures of a sweep folder, drawn from its stored runs as the workflow draws them."""
    manifest = read_manifest(out)
    runs = read_runs(out, sweep_plots.columns_drawn(manifest))
    return sweep_plots.sweep_figures(runs, manifest)


def _not_blank(path):
    pixels = np.asarray(Image.open(path).convert("L"), dtype=float)
    assert pixels.shape[0] > 100 and pixels.shape[1] > 300  # a note alone is short
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
    execute(path, out, workers=1, progress=False)
    paths = write_sweep_plots(out)
    assert {p.name for p in paths} == {"final_strength_by_parameter.png",
                                       "triangle_by_parameter.png"}  # fmt: skip
    for p in paths:
        _not_blank(p)


def _panel_titles(fig):
    return [ax.get_title(loc="left") for ax in fig.axes if ax.axison]


def test_the_y_axis_names_the_outcome_and_its_unit(tmp_path, make_sweep):
    out = _sweep(tmp_path, make_sweep, ONE)
    figures = dict(sweep_figures(out))
    labels = {
        name: fig.axes[0].get_ylabel().replace("\n", " ")
        for name, fig in figures.items()
        if fig.axes  # bloc_of: no state changes bloc here, so a note and no panel
    }
    assert labels["first_triangle_step.png"] == "first step the triangle forms (step)"
    assert labels["final_strength.png"] == "tie strength at the end (−1…1)"
    assert labels["triangle.png"] == "P(triangle formed / at alliance level)"
    assert not {"mean", "probability"} & set(labels.values())


def test_a_phase_diagram_names_its_outcome_on_the_colour_bar(tmp_path, make_sweep):
    out = _sweep(tmp_path, make_sweep, TWO, "[final_strength]")
    figures = dict(sweep_figures(out))
    bar = figures["phase_final_strength_russia_india.png"].axes[-1]
    assert bar.get_ylabel() == "Russia–India tie strength at the end (−1…1)"


def test_category_panels_only_for_what_varies(tmp_path, make_sweep):
    path = make_sweep(tmp_path, steps=12, replications=2,
                      parameters="  params.balance_weight: [0.1, 0.9]\n",
                      outcomes="[final_level, bloc_of]")  # fmt: skip
    out = tmp_path / "out"
    execute(path, out, workers=1, progress=False)
    runs = read_runs(out)
    seen = {c: set(runs[c]) for c in runs.columns if c.startswith(("final_level.", "bloc_of."))}
    varying = [c for c, values in seen.items() if len(values) > 1]
    constant = [c for c, values in seen.items() if len(values) == 1]
    # this design has both kinds of final_level tie, and no state changes bloc
    assert any(c.startswith("final_level.") for c in varying)
    assert any(c.startswith("final_level.") for c in constant)
    assert all(c.startswith("final_level.") for c in varying)
    figures = dict(sweep_figures(out))

    levels = figures["final_level.png"]
    shown = [c.partition(".")[2].replace("-", "–") for c in varying]
    assert _panel_titles(levels) == shown
    heading = levels._suptitle.get_text().replace("\n", " ").replace("\u00a0", " ")
    assert "The same in every run, so not drawn:" in heading
    for column in constant:
        if column.startswith("final_level."):
            tie = column.partition(".")[2].replace("-", "–")
            level = next(iter(seen[column])).replace("_", " ")
            assert f"{tie} {level}" in heading

    blocs = figures["bloc_of.png"]
    assert not blocs.axes  # nothing varies: no empty panels, only the note
    note = blocs.texts[0].get_text().replace("\n", " ").replace("\u00a0", " ")
    for column in constant:
        if column.startswith("bloc_of."):
            assert column.partition(".")[2] in note
    assert "in China's bloc" in note
