"""`alignsim sensitivity`: Morris and Sobol through SALib, and what it refuses."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

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
    assert f"{path}:9:3: parameters.events.1.at:" in err
    assert "needs a range" in err
    assert not out.exists()


def test_bad_arguments_exit_2(tmp_path, capsys):
    path = _file(tmp_path, "{method: grid}")
    code, _, err = _run(["sensitivity", str(path), "--method", "morris", "--samples", "0"], capsys)
    assert code == 2 and "--samples" in err
    code, _, err = _run(["sensitivity", str(tmp_path / "missing.yaml"), "--method", "morris",
                         "--out", str(tmp_path / "x")], capsys)  # fmt: skip
    assert code == 2 and "missing.yaml:1:1" in err
