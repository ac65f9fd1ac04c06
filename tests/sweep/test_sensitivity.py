"""`alignsim sensitivity`: Morris and Sobol through SALib, and what it refuses."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
from PIL import Image

from alignsim.cli import main

RANGES = """\
  params.balance_weight: {low: 0.1, high: 0.9}
  params.history_weight: {low: 0.2, high: 0.8}
"""


def _file(folder, design, parameters=RANGES, outcomes="[final_strength, triangle_formed]"):
    from tests.sweep.conftest import FLAGSHIP

    text = (
        f"scenario: {os.path.relpath(FLAGSHIP, folder)}\nsteps: 5\nreplications: 1\nseed: 4\n"
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
    code, stdout, err = _run(["sensitivity", str(path), "--method", "morris", "--samples", "3",
                              "--workers", "1", "--out", str(out)], capsys)  # fmt: skip
    assert code == 0, err
    assert stdout.strip().splitlines()[-1] == str(out)
    assert "Traceback" not in err
    table = pd.read_csv(out / "sensitivity.csv", keep_default_na=False, na_values=[""])
    assert list(table.columns) == [
        "outcome", "parameter", "mu_star", "mu_star_conf", "mu", "sigma", "note"
    ]  # fmt: skip
    outcomes = set(table["outcome"])
    assert "final_strength.Russia-Pakistan" in outcomes
    assert "P(triangle_formed.China-Russia-Pakistan)" in outcomes
    assert len(table) == 2 * len(outcomes)
    assert set(table["parameter"]) == {"params.balance_weight", "params.history_weight"}
    assert (table["mu_star"] >= 0).all() and table["mu_star"].notna().all()
    assert (out / "sensitivity.png").stat().st_size > 10_000
    assert (out / "summary.csv").is_file()  # a sweep folder like any other
    assert len(pd.read_csv(out / "summary.csv")) == 3 * (2 + 1)


def test_sobol_with_constant_outcomes(tmp_path, capsys):
    path = _file(tmp_path, "{method: sobol, samples: 4}")
    out = tmp_path / "sobol"
    code, stdout, err = _run(["sensitivity", str(path), "--method", "sobol", "--workers", "2",
                              "--out", str(out)], capsys)  # fmt: skip
    assert code == 0, err
    assert "Warning" not in err
    table = pd.read_csv(out / "sensitivity.csv", keep_default_na=False, na_values=[""])
    assert list(table.columns) == ["outcome", "parameter", "S1", "S1_conf", "ST", "ST_conf", "note"]
    varying = table[table["note"].isna()]
    assert not varying.empty
    assert np.isfinite(varying[["S1", "S1_conf", "ST", "ST_conf"]].to_numpy()).all()
    assert (varying["ST_conf"] >= 0).all()
    constant = table[table["note"] == "constant"]
    assert constant[["S1", "ST"]].isna().all().all()  # 0/0: undefined, documented
    assert len(pd.read_csv(out / "summary.csv")) == 4 * (2 + 2)
    assert "S1" in stdout and "ST" in stdout


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

    path = _file(tmp_path, "{method: sobol, samples: 4}", outcomes="[final_strength, bloc_of]")
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
