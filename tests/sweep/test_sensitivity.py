"""`alignsim sensitivity`: Morris and Sobol through SALib, and what it refuses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from alignsim.cli import main
from alignsim.sweep.sensitivity import (
    format_needed,
    format_table,
    format_warnings,
    index_warnings,
    plan_for_method,
    samples_needed,
)
from alignsim.sweep.spec import Design, SweepError
from alignsim.sweep.storage import read_manifest

RANGES = """\
  params.balance_weight: {low: 0.1, high: 0.9}
  params.history_weight: {low: 0.2, high: 0.8}
"""


def _file(folder, design, parameters=RANGES, outcomes="[final_strength, triangle_formed]",
          chance=True):  # fmt: skip
    """A sensitivity sweep of the flagship; ``chance=False``: of the flagship without noise,
    random activation or chance events, whose outcomes are a function of the parameters
    alone (the same whatever seeds the runs get), so where the intervals are wide is known."""
    from tests.sweep.conftest import FLAGSHIP

    scenario = os.path.relpath(FLAGSHIP, folder)
    if not chance:
        (folder / "no_chance.yaml").write_text(
            f"extends: {scenario}\nname: flagship-without-chance\n"
            "params: {noise: 0.0, activation: simultaneous}\n"
            "events:\n  - {id: isis_khorasan, remove: true}\n",
            encoding="utf-8",
        )
        scenario = "no_chance.yaml"
    text = (
        f"scenario: {scenario}\nsteps: 5\nreplications: 1\nseed: 4\n"
        f"design: {design}\nparameters:\n{parameters}outcomes: {outcomes}\n"
    )
    path = folder / "sens.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _run(args, capsys):
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_morris(tmp_path, capsys):
    path = _file(tmp_path, "{method: grid}")  # the method is overridden by --method
    out = tmp_path / "morris"
    code, stdout, err = _run(["sensitivity", str(path), "--method", "morris", "--samples", "4",
                              "--workers", "1", "--out", str(out)], capsys)  # fmt: skip
    assert code == 0, err
    assert stdout.strip().splitlines()[-1] == str(out)
    assert "Traceback" not in err
    table = pd.read_csv(out / "sensitivity.csv", keep_default_na=False, na_values=[""])
    assert list(table.columns) == [
        "outcome", "parameter", "mu_star", "mu_star_conf", "mu", "sigma", "note", "warning"
    ]  # fmt: skip
    outcomes = set(table["outcome"])
    assert "final_strength.Russia-Pakistan" in outcomes
    assert "P(triangle_formed.China-Russia-Pakistan)" in outcomes
    assert len(table) == 2 * len(outcomes)
    assert set(table["parameter"]) == {"params.balance_weight", "params.history_weight"}
    assert (table["mu_star"] >= 0).all() and table["mu_star"].notna().all()
    assert (out / "sensitivity.png").stat().st_size > 10_000
    assert (out / "summary.csv").is_file()  # a sweep folder like any other
    assert len(pd.read_csv(out / "summary.csv")) == 4 * (2 + 1)


def test_sobol_with_constant_outcomes(tmp_path, capsys):
    path = _file(tmp_path, "{method: sobol, samples: 32}",
                 outcomes="[final_strength, triangle_formed, bloc_of]")  # fmt: skip
    out = tmp_path / "sobol"
    code, stdout, err = _run(["sensitivity", str(path), "--method", "sobol", "--workers", "2",
                              "--out", str(out)], capsys)  # fmt: skip
    assert code == 0, err
    assert "Warning" not in err
    table = pd.read_csv(out / "sensitivity.csv", keep_default_na=False, na_values=[""])
    assert list(table.columns) == [
        "outcome", "parameter", "S1", "S1_conf", "ST", "ST_conf", "note", "warning"
    ]  # fmt: skip
    varying = table[table["note"].isna()]
    assert not varying.empty
    assert np.isfinite(varying[["S1", "S1_conf", "ST", "ST_conf"]].to_numpy()).all()
    assert (varying["ST_conf"] >= 0).all()
    constant = table[table["note"] == "constant"]
    assert not constant.empty  # bloc_of: Pakistan ends in China's bloc in every run
    assert constant[["S1", "ST"]].isna().all().all()  # 0/0: undefined, documented
    assert constant["warning"].isna().all()
    assert len(pd.read_csv(out / "summary.csv")) == 32 * (2 + 2)
    assert "S1" in stdout and "ST" in stdout


def test_sobol_warnings_fire_on_a_real_sweep_with_wide_intervals(tmp_path, capsys):
    """32 base samples: whether the triangle forms is a step in the parameters that few
    design points straddle, so its indices' intervals are wider than the indices; the ties'
    strengths vary smoothly and are not flagged. The terminal marks each flagged row and
    says what is wrong under the table."""
    path = _file(tmp_path, "{method: sobol, samples: 32}", chance=False)
    out = tmp_path / "sobol"
    code, stdout, err = _run(["sensitivity", str(path), "--method", "sobol", "--workers", "1",
                              "--out", str(out)], capsys)  # fmt: skip
    assert code == 0, err
    table = pd.read_csv(out / "sensitivity.csv", keep_default_na=False, na_values=[""])
    triangle = table["outcome"] == "P(triangle_formed.China-Russia-Pakistan)"
    assert table.loc[~triangle, "warning"].isna().all()
    flagged = table[triangle]
    assert flagged["warning"].notna().all()
    for row in flagged.itertuples():
        for warning, index in zip(row.warning.split("; "), ("S1", "ST"), strict=True):
            value, conf = getattr(row, index), getattr(row, f"{index}_conf")
            assert warning == (f"{index} {value:.3g} ±{conf:.3g}: interval wider than the "
                               "index, unreliable")  # fmt: skip
            assert conf > abs(value) and conf > 0.1
            assert f"  {row.outcome} × {row.parameter}: {warning}" in stdout
    assert "! 4 indices need more samples to be read (column warning of sensitivity.csv):" in stdout
    lines = stdout.splitlines()
    for row in table.itertuples():  # each row ends with the names of its flagged indices
        line = next(x for x in lines if x.startswith(row.outcome) and f" {row.parameter} " in x)
        assert line.endswith("  ! S1, ST") == (row.outcome in set(flagged["outcome"]))
    needed = next(x for x in lines if x.startswith("about N = "))
    assert "base samples" in needed and "would bring every interval under ±0.10" in needed
    assert "(ST of P(triangle_formed" in needed or "(S1 of P(triangle_formed" in needed


def test_no_sobol_warning_on_a_clean_case(tmp_path, capsys):
    """One parameter decides every tie: S1 and ST near 1 with intervals narrower than
    themselves; nothing is flagged, though the intervals are not yet ±0.10."""
    path = _file(tmp_path, "{method: sobol, samples: 32}", outcomes="[final_strength]",
                 parameters="  params.balance_weight: {low: 0.1, high: 0.9}\n",
                 chance=False)  # fmt: skip
    out = tmp_path / "sobol"
    code, stdout, err = _run(["sensitivity", str(path), "--method", "sobol", "--workers", "1",
                              "--out", str(out)], capsys)  # fmt: skip
    assert code == 0, err
    table = pd.read_csv(out / "sensitivity.csv", keep_default_na=False, na_values=[""])
    assert table["warning"].isna().all()
    assert (table["S1_conf"] < table["S1"]).all() and (table["S1_conf"] > 0.1).any()
    assert "!" not in stdout
    assert "about N = " in stdout and "base samples" in stdout


def test_morris_warnings_fire_where_an_outcome_barely_varies(tmp_path, capsys):
    """4 trajectories: tie cost tips the triangle over in one of its four elementary
    effects, so the mean of the four is less than its interval; the ties' effects are
    steady and not flagged."""
    out = tmp_path / "morris"
    parameters = (
        "  params.balance_weight: {low: 0.1, high: 0.9}\n"
        "  params.tie_cost: {low: 0.0, high: 0.15}\n"
    )
    path = _file(tmp_path, "{method: morris, samples: 4}", parameters=parameters, chance=False)
    code, stdout, err = _run(["sensitivity", str(path), "--method", "morris", "--workers", "1",
                              "--out", str(out)], capsys)  # fmt: skip
    assert code == 0, err
    assert "note:" not in stdout  # the file's own morris design: its samples are used
    table = pd.read_csv(out / "sensitivity.csv", keep_default_na=False, na_values=[""])
    flagged = table[table["warning"].notna()]
    assert list(zip(flagged["outcome"], flagged["parameter"], strict=True)) == [
        ("P(triangle_formed.China-Russia-Pakistan)", "params.tie_cost")
    ]
    row = next(flagged.itertuples())
    assert row.warning == (f"mu_star {row.mu_star:.3g} ±{row.mu_star_conf:.3g}: "
                           "interval wider than the index, unreliable")  # fmt: skip
    assert row.mu_star_conf > row.mu_star
    assert f"  {row.outcome} × {row.parameter}: {row.warning}" in stdout
    assert "! 1 index needs more samples to be read" in stdout
    assert "trajectories" in stdout and "would bring every interval under" in stdout


# --- warnings and the needed samples of known tables --------------------------------------


def _sobol(rows):
    names = ["outcome", "parameter", "S1", "S1_conf", "ST", "ST_conf"]
    table = pd.DataFrame(rows, columns=names)
    table["note"] = ""
    return table


def test_sobol_warnings_of_a_known_table():
    nan = float("nan")
    table = _sobol([
        ("y", "a", 2.03, 0.5, 0.9, 0.05),  # above 1 by more than its interval
        ("y", "b", 0.2, 0.05, -0.3, 0.1),  # below 0 by more than its interval
        ("y", "c", 0.5, 0.05, 0.77, 1.68),  # interval wider than the index
        ("y", "d", -0.02, 0.03, 0.01, 0.02),  # wider than the index, but under ±0.10
        ("y", "e", 2.03, 1.98, 0.6, 0.55),  # each interval wider than all of [0, 1]
        ("y", "f", 0.5, 0.05, 0.6, 0.08),  # clean
        ("z", "a", nan, nan, nan, nan),  # constant outcome: no indices, no warning
    ])  # fmt: skip
    assert list(index_warnings(table, "sobol")) == [
        "S1 2.03 ±0.5: above 1 beyond its interval, too few samples",
        "ST -0.3 ±0.1: below 0 beyond its interval, too few samples",
        "ST 0.77 ±1.68: interval wider than the index, unreliable",
        "",
        "S1 2.03 ±1.98: interval wider than all of [0, 1], unreliable; "
        "ST 0.6 ±0.55: interval wider than all of [0, 1], unreliable",
        "",
        "",
    ]
    table["warning"] = index_warnings(table, "sobol")
    text = format_table(table, "sobol").splitlines()
    assert [line.rsplit("  ! ", 1)[1] if "  ! " in line else "" for line in text[1:]] == [
        "S1", "ST", "ST", "", "S1, ST", "", ""
    ]  # fmt: skip
    lines = format_warnings(table).splitlines()
    assert (
        lines[0] == "! 5 indices need more samples to be read (column warning of sensitivity.csv):"
    )
    assert lines[3] == "  y × c: ST 0.77 ±1.68: interval wider than the index, unreliable"
    assert format_warnings(table.iloc[[3, 5, 6]]) == ""


def test_morris_warnings_are_measured_against_the_largest_effect():
    table = pd.DataFrame([
        ("y", "a", 1.0, 0.2, 1.0, 0.3),  # clean
        ("y", "b", 0.3, 0.4, 0.1, 0.5),  # interval wider than mu* and than 0.1 × 1.0
        ("y", "c", 0.03, 0.05, 0.0, 0.1),  # wider than mu*, but a small effect surely
    ], columns=["outcome", "parameter", "mu_star", "mu_star_conf", "mu", "sigma"])  # fmt: skip
    assert list(index_warnings(table, "morris")) == [
        "", "mu_star 0.3 ±0.4: interval wider than the index, unreliable", ""
    ]  # fmt: skip


def test_samples_needed_for_a_known_table():
    """Half-widths shrink as 1/√N: ±0.34 at N = 64 is ±0.10 at 64 × 3.4² ≈ 740, so 1024
    (a power of two); ±0.2 is ±0.10 at 256 exactly; ±0.05 already is."""
    table = _sobol([
        ("y", "a", 0.5, 0.2, 0.6, 0.34),
        ("y", "b", 0.1, 0.05, 0.2, 0.1),
        ("z", "a", 0.5, 0.2, 0.5, 0.1),
        ("w", "a", 0.9, 0.05, 0.9, 0.04),
    ])  # fmt: skip
    assert samples_needed(table, "sobol", 64) == {"y": 1024, "z": 256, "w": 64}
    manifest = {"design": {"method": "sobol", "samples": 64}, "runs": 64 * 4 * 2}
    assert format_needed(table, manifest) == (
        "about N = 1024 base samples (8,192 runs) would bring every interval under ±0.10; "
        "the widest is ±0.34 (ST of y for a); N = 256 base samples for the other outcomes"
    )
    assert format_needed(table, manifest, brief=True) == (
        "about N = 1024 base samples would bring every interval under ±0.10; N = 256 without y"
    )
    assert format_needed(table[table["outcome"] == "w"], manifest) == (
        "every interval is under ±0.10 with N = 64 base samples; "
        "the widest is ±0.05 (S1 of w for a)"
    )
    morris = pd.DataFrame([("y", "a", 1.0, 0.3), ("y", "b", 0.5, 0.1)],
                          columns=["outcome", "parameter", "mu_star", "mu_star_conf"])  # fmt: skip
    assert samples_needed(morris, "morris", 10) == {"y": 90}  # 10 × (0.3 / 0.1)²


# --- how many samples, and whose ------------------------------------------------------------


def test_too_few_samples_in_the_file_are_refused_at_their_line(tmp_path, capsys):
    path = _file(tmp_path, "{method: sobol, samples: 16}")
    out = tmp_path / "never"
    code, stdout, err = _run(["sensitivity", str(path), "--method", "sobol", "--out", str(out)],
                             capsys)  # fmt: skip
    assert code == 2 and stdout == ""
    assert err.strip() == (
        f"{path}:5:34: design.samples: 16 is too few base samples for sobol: at least 32 "
        "(a power of two: 32, 64, 128, …); raise it, or give --samples"
    )
    assert not out.exists()
    path = _file(tmp_path, "{method: morris, samples: 3, levels: 4}")
    code, _, err = _run(["sensitivity", str(path), "--method", "morris", "--out", str(out)],
                        capsys)  # fmt: skip
    assert code == 2
    assert err.strip() == (
        f"{path}:5:35: design.samples: 3 is too few trajectories for morris: at least 4; "
        "raise it, or give --samples"
    )


def test_too_few_samples_on_the_command_line_are_refused(tmp_path, capsys):
    """Exit code 2 and one line on stderr naming the file and --samples; once as a process."""
    path = _file(tmp_path, "{method: sobol, samples: 64}")
    out = tmp_path / "never"
    alignsim = Path(sys.executable).with_name("alignsim")
    done = subprocess.run(
        [alignsim, "sensitivity", path, "--method", "sobol", "--samples", "16", "--out", out],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr == (
        f"alignsim sensitivity: {path}: --samples 16 is too few base samples for sobol: at "
        "least 32 (a power of two: 32, 64, 128, …)\n"
    )
    code, stdout, err = _run(["sensitivity", str(path), "--method", "morris", "--samples", "3",
                              "--out", str(out)], capsys)  # fmt: skip
    assert code == 2 and stdout == ""
    assert err == (
        f"alignsim sensitivity: {path}: --samples 3 is too few trajectories for morris: "
        "at least 4\n"
    )
    assert not out.exists()
    with pytest.raises(ValueError, match="samples: 3 is too few trajectories"):
        plan_for_method(path, "morris", samples=3)


def test_morris_does_not_take_the_sobol_sample_count(tmp_path, capsys):
    path = _file(tmp_path, "{method: sobol, samples: 64}", outcomes="[final_strength]")
    out = tmp_path / "morris"
    code, stdout, err = _run(["sensitivity", str(path), "--method", "morris", "--workers", "1",
                              "--out", str(out)], capsys)  # fmt: skip
    assert code == 0, err
    assert stdout.startswith(
        "note: the sweep file's samples: 64 is for sobol; morris uses 10 trajectories "
        "(the default); give --samples to choose\n"
    )
    manifest = read_manifest(out)
    assert manifest["design"] == {"method": "morris", "samples": 10, "levels": 4}
    assert manifest["points"] == 10 * (2 + 1)


def test_a_design_of_the_same_method_keeps_its_samples_and_levels(tmp_path):
    path = _file(tmp_path, "{method: morris, samples: 5, levels: 6}")
    plan = plan_for_method(path, "morris")
    assert plan.sweep.design == Design("morris", 5, 6) and plan.note == ""
    assert plan_for_method(path, "morris", samples=7).sweep.design == Design("morris", 7, 6)
    plan = plan_for_method(path, "sobol")
    assert plan.sweep.design == Design("sobol", 64, None)
    assert plan.note == (
        "the sweep file's samples: 5 is for morris; sobol uses 64 base samples (the default); "
        "give --samples to choose"
    )
    plan = plan_for_method(_file(tmp_path, "{method: grid}"), "sobol", samples=48)
    assert plan.sweep.design == Design("sobol", 48, None)
    assert plan.note == (
        "48 base samples is not a power of two: Sobol' points are balanced only at powers of two"
    )


def test_a_bad_samples_value_in_the_file_is_reported_at_its_line(tmp_path):
    path = _file(tmp_path, "{method: sobol, samples: many}")
    with pytest.raises(SweepError) as error:
        plan_for_method(path, "sobol")
    assert str(error.value).startswith(f"{path}:5:34: design.samples: expected a whole number")
    assert plan_for_method(path, "morris").sweep.design.samples == 10  # not morris' to read


def test_a_list_parameter_is_rejected_with_its_line(tmp_path, capsys):
    parameters = RANGES + "  events.1.at: ['2015-01', '2018-01']\n"
    path = _file(tmp_path, "{method: grid}", parameters=parameters)
    out = tmp_path / "never"
    code, _, err = _run(["sensitivity", str(path), "--method", "sobol", "--out", str(out)],
                             capsys)  # fmt: skip
    assert code == 2
    assert "Traceback" not in err
    assert f"{path}:9:3: parameters.events.1 (druzhba_2016).at:" in err
    assert "needs a range" in err
    assert not out.exists()


def test_bad_arguments_exit_2(tmp_path, capsys):
    path = _file(tmp_path, "{method: grid}")
    code, _, err = _run(["sensitivity", str(path), "--method", "morris", "--samples", "0"], capsys)
    assert code == 2 and "--samples" in err
    code, _, err = _run(["sensitivity", str(tmp_path / "missing.yaml"), "--method", "morris",
                         "--out", str(tmp_path / "x")], capsys)  # fmt: skip
    assert code == 2 and "missing.yaml:1:1" in err


def _drawn_texts(fig):
    """Every text of the figure a reader sees: heading, legend, and the panels in use."""
    texts = [fig._suptitle, *fig.texts]
    for legend in fig.legends:
        texts += legend.get_texts()
    for ax in fig.axes:
        if ax.axison:
            texts += [ax.title, ax._left_title, ax.xaxis.label, ax.yaxis.label]
            texts += _shown(ax.get_xticklabels(), ax.get_xlim(), 0)
            texts += _shown(ax.get_yticklabels(), ax.get_ylim(), 1)
    return [t for t in texts if t is not None and t.get_visible() and t.get_text().strip()]


def _shown(labels, limits, axis):
    """Tick labels inside the axis' limits (matplotlib keeps, but does not draw, others)."""
    low, high = sorted(limits)
    return [t for t in labels if low <= t.get_position()[axis] <= high]


def _longest_blank_band(path) -> int:
    """Rows of the longest band of white across the whole picture."""
    blank = (np.asarray(Image.open(path).convert("L")) > 250).all(axis=1)
    longest = run = 0
    for row in blank:
        run = run + 1 if row else 0
        longest = max(longest, run)
    return longest


def test_the_chart_is_readable_on_a_projector(tmp_path):
    from alignsim.sweep.storage import read_manifest
    from alignsim.viz.sweep_plots import Series, sensitivity_figure
    from alignsim.workflows.sweep import run_sensitivity as sensitivity

    path = _file(tmp_path, "{method: sobol, samples: 32}", outcomes="[final_strength, bloc_of]")
    out = tmp_path / "sobol"
    table = sensitivity(path, "sobol", out, workers=1, progress=False)
    constant = table.loc[table["note"] == "constant", "outcome"].unique()
    assert len(constant) and (table["note"] == "").any()  # both kinds are drawn here

    # no wide empty band: the heading sits right above the panels (it was 1.15 in)
    assert _longest_blank_band(out / "sensitivity.png") <= 0.3 * 110

    fig = sensitivity_figure(table, "sobol", read_manifest(out))
    fig.canvas.draw()
    texts = _drawn_texts(fig)
    assert min(t.get_fontsize() for t in texts) >= 14
    frame = fig.bbox
    for text in texts:  # nothing cut at the edges
        box = text.get_window_extent()
        assert frame.x0 - 1 <= box.x0 and box.x1 <= frame.x1 + 1, text.get_text()
        assert frame.y0 - 1 <= box.y0 and box.y1 <= frame.y1 + 1, text.get_text()
    heading = fig._suptitle.get_text()
    for outcome in constant:  # named instead of drawn
        assert Series.of_summary(outcome).measure() in heading.replace("\n", " ")
    titles = [ax.get_title(loc="left") for ax in fig.axes if ax.axison]
    assert "Russia–Pakistan tie strength at the end" in titles


def test_the_chart_draws_the_indices_with_warnings_pale(tmp_path):
    from matplotlib.colors import to_rgb
    from matplotlib.container import BarContainer

    from alignsim.viz.sweep_plots import sensitivity_figure
    from alignsim.workflows.sweep import run_sensitivity as sensitivity

    path = _file(tmp_path, "{method: sobol, samples: 32}", chance=False)
    out = tmp_path / "sobol"
    table = sensitivity(path, "sobol", out, workers=1, progress=False)
    warned = {(r.outcome, r.parameter, w.split(" ", 1)[0]) for r in table.itertuples()
              for w in r.warning.split("; ") if w}  # fmt: skip
    assert len(warned) == 4  # S1 and ST of whether the triangle forms
    manifest = read_manifest(out)
    fig = sensitivity_figure(table, "sobol", manifest, format_needed(table, manifest, brief=True))
    colours = {"S1": to_rgb("#0072B2"), "ST": to_rgb("#E69F00")}
    parameters = list(dict.fromkeys(table["parameter"]))
    panels = [ax for ax in fig.axes if ax.axison]
    outcomes = list(dict.fromkeys(table["outcome"]))
    assert len(panels) == len(outcomes)
    pale_bars = 0
    for ax, outcome in zip(panels, outcomes, strict=True):
        bars = [c for c in ax.containers if isinstance(c, BarContainer)]
        for container, index in zip(bars, ("S1", "ST"), strict=True):
            for bar, name in zip(container.patches, parameters, strict=True):
                pale = to_rgb(bar.get_facecolor()) != colours[index]
                assert pale == ((outcome, name, index) in warned), (outcome, name, index)
                assert (bar.get_linestyle() == "--") == pale
                pale_bars += pale
    assert pale_bars == len(warned)
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["first order S1 (alone)", "total order ST (with interactions)",
                      "pale: too few samples to read"]  # fmt: skip
    heading = fig._suptitle.get_text().replace("\n", " ")
    assert "About N = " in heading and " would bring every interval under ±0.10" in heading


def test_a_chart_of_one_outcome_keeps_its_heading_legend_and_panel_apart(tmp_path):
    """One drawn outcome makes a narrow chart: the heading (with the estimate and the
    outcome not drawn) wraps beside the legend, and the panel keeps its height."""
    from alignsim.viz.sweep_plots import sensitivity_figure
    from alignsim.workflows.sweep import run_sensitivity as sensitivity

    parameters = (
        "  params.balance_weight: {low: 0.1, high: 0.9}\n"
        "  params.tie_cost: {low: 0.0, high: 0.15}\n"
    )
    path = _file(tmp_path, "{method: morris, samples: 4}", parameters=parameters,
                 outcomes="[triangle_formed, triangle_alliance]", chance=False)  # fmt: skip
    out = tmp_path / "morris"
    table = sensitivity(path, "morris", out, workers=1, progress=False)
    assert list(table.loc[table["note"] == "", "outcome"].unique()) == [
        "P(triangle_formed.China-Russia-Pakistan)"
    ]
    manifest = read_manifest(out)
    fig = sensitivity_figure(table, "morris", manifest, format_needed(table, manifest, True))
    fig.canvas.draw()
    heading = fig._suptitle.get_window_extent()
    legend = fig.legends[0].get_window_extent()
    assert heading.x1 <= legend.x0 or heading.y1 <= legend.y0  # side by side, not on top
    (panel,) = [ax for ax in fig.axes if ax.axison]
    assert panel.get_window_extent().height / fig.dpi >= 1.5  # inches
    assert panel.get_window_extent().y1 <= min(heading.y0, legend.y0)
