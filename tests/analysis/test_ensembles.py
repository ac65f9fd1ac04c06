"""Comparing ensembles: intervals, pairing, two sweeps or one sweep's variants, and
the intervals' coverage on ensembles drawn from one scenario."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from alignsim.analysis.ensembles import (
    COLUMNS,
    Ensemble,
    EnsembleError,
    Matched,
    compare_by,
    compare_sweeps,
    outcome_rows,
)
from alignsim.analysis.intervals import (
    newcombe_difference,
    student_mean_interval,
    tango_paired_difference,
    welch_difference,
)
from alignsim.cli import main
from alignsim.sweep import execute, read_runs

ROOT = Path(__file__).resolve().parents[2]
FLAGSHIP = ROOT / "scenarios" / "pakistan_china_russia.yaml"
TAPI = ROOT / "scenarios" / "counterfactuals" / "tapi_blocked.yaml"


def _sweep(folder: Path, body: str, name: str = "sweep.yaml") -> Path:
    rel = {"FLAGSHIP": os.path.relpath(FLAGSHIP, folder), "TAPI": os.path.relpath(TAPI, folder)}
    path = folder / name
    path.write_text(body.format(**rel), encoding="utf-8")
    return path


def _run(folder: Path, body: str, name: str) -> Path:
    out = folder / name
    execute(_sweep(folder, body, f"{name}.yaml"), out, workers=1, progress=False)
    return out


# --- the intervals ------------------------------------------------------------------------


def test_welch_and_student_intervals_agree_with_scipy():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=12), rng.normal(1.0, 2.0, size=9)
    difference, low, high = welch_difference(a, b)
    reference = stats.ttest_ind(b, a, equal_var=False).confidence_interval()
    assert difference == pytest.approx(b.mean() - a.mean())
    assert (low, high) == pytest.approx((reference.low, reference.high))
    mean, low, high = student_mean_interval(b)
    reference = stats.ttest_1samp(b, 0.0).confidence_interval()
    assert (mean, low, high) == pytest.approx((b.mean(), reference.low, reference.high))


def test_newcombes_interval_matches_his_worked_example():
    # Newcombe (1998), Statistics in Medicine 17:873, table II: 56/70 vs 48/80, method 10
    difference, low, high = newcombe_difference(48, 80, 56, 70)
    assert difference == pytest.approx(0.2)
    assert (round(low, 4), round(high, 4)) == (0.0524, 0.3339)


def test_tangos_paired_interval_matches_its_closed_form_and_does_not_collapse():
    # no pair differs: |Z| = sqrt(n·d / (1 − d)) = z gives d = z² / (n + z²)
    z2 = 1.959963984540054**2
    assert tango_paired_difference(0, 0, 40) == pytest.approx((0.0, -z2 / (40 + z2),
                                                               z2 / (40 + z2)))  # fmt: skip
    # at d = 0 the score is McNemar's statistic (b − c) / sqrt(b + c)
    difference, low, high = tango_paired_difference(9, 1, 50)
    assert difference == pytest.approx(0.16) and low > 0  # McNemar: 8 / sqrt(10) > 1.96
    difference, low, high = tango_paired_difference(5, 2, 50)
    assert low < 0 < high  # 3 / sqrt(7) < 1.96


@pytest.mark.slow
def test_paired_probability_intervals_cover_at_least_95_percent():
    """Pairs where B makes the outcome happen in a share q of A's failures: rare changes,
    the common case with common random numbers, where a t interval on the per-pair
    differences collapsed to [0, 0] and covered 18–65%."""
    rng = np.random.default_rng(13)
    for n, q in [(20, 0.03), (40, 0.01), (40, 0.1), (40, 0.3)]:
        covered = 0
        for _ in range(1000):
            a = rng.random(n) < 0.5
            b = a | (rng.random(n) < q)
            _, low, high = tango_paired_difference(int((b & ~a).sum()), int((a & ~b).sum()), n)
            covered += low <= q * 0.5 <= high
        assert covered >= 940, (n, q, covered)


def test_identical_paired_runs_give_a_point_interval_at_zero():
    assert student_mean_interval(np.zeros(5)) == (0.0, 0.0, 0.0)
    assert welch_difference(np.ones(4), np.ones(3)) == (0.0, 0.0, 0.0)


# --- a sweep's variants -----------------------------------------------------------------

BEFORE_TAPI = """\
scenario:
  flagship: {FLAGSHIP}
  tapi_blocked: {TAPI}
steps: 10
replications: 4
seed: 3
outcomes: [triangle_formed, first_triangle_step, final_strength, final_level, bloc_of]
series: [strength]
"""


@pytest.fixture(scope="module")
def before_tapi(tmp_path_factory) -> Path:
    return _run(tmp_path_factory.mktemp("before"), BEFORE_TAPI, "out")


def test_variants_compared_before_the_event_differ_by_exactly_zero(before_tapi):
    """Ten steps end before tapi_blocked's first event (2016-09, step 11): with common seeds
    every outcome's paired difference is exactly 0, with a point interval."""
    comparison = compare_by(before_tapi, "scenario")
    table = comparison.table
    assert list(table.columns) == COLUMNS
    assert len(table) > 10 and table["paired"].all() and comparison.paired
    assert (table["difference"] == 0).all()
    numbers = ~table["outcome"].str.startswith("P(")
    # a number identical in every pair: the interval is that point
    assert (table.loc[numbers, ["ci_low", "ci_high"]] == 0).all().all()
    # a probability: Tango's interval, which does not collapse when no pair differs
    probabilities = table[~numbers]
    assert (probabilities["ci_low"] < 0).all() and (probabilities["ci_high"] > 0).all()
    assert set(table["a_label"]) == {"scenario=flagship"}
    assert set(table["b_label"]) == {"scenario=tapi_blocked"}
    assert (table["n_pairs"] == 4).all()
    assert {"P(triangle_formed.China-Russia-Pakistan)", "final_strength.Russia-Pakistan"} <= set(
        table["outcome"]
    )
    assert any(o.startswith("P(final_level.Russia-Pakistan=") for o in table["outcome"])


def test_after_the_event_the_paired_differences_are_found(tmp_path):
    out = _run(tmp_path, BEFORE_TAPI.replace("steps: 10", "steps: 16"), "after")
    table = compare_by(out, "scenario").table
    row = table.set_index("outcome").loc["final_strength.Russia-Pakistan"]
    assert row["difference"] != 0 and row["ci_low"] <= row["difference"] <= row["ci_high"]
    runs = read_runs(out)
    a = runs.loc[runs["scenario"] == "flagship", "final_strength.Russia-Pakistan"].to_numpy()
    b = runs.loc[runs["scenario"] == "tapi_blocked", "final_strength.Russia-Pakistan"].to_numpy()
    assert row["difference"] == pytest.approx(np.mean(b - a))
    assert row["a"] == pytest.approx(a.mean()) and row["b"] == pytest.approx(b.mean())


def test_compare_by_a_parameter_matches_the_other_factors(tmp_path):
    body = BEFORE_TAPI.replace("series: [strength]\n", "") + (
        "parameters:\n  params.balance_weight: [0.2, 0.5, 0.8]\n"
    )
    out = _run(tmp_path, body, "grid")
    table = compare_by(out, "params.balance_weight").table
    assert set(table["point"]) == {"scenario=flagship", "scenario=tapi_blocked"}
    assert set(table["b_label"]) == {"params.balance_weight=0.5", "params.balance_weight=0.8"}
    assert table["paired"].all()


# --- two sweep folders ----------------------------------------------------------------

ONE = """\
scenario: {FLAGSHIP}
steps: 6
replications: 6
seed: SEED
seeds: SEEDS
outcomes: [final_strength, triangle_formed]
parameters:
  params.balance_weight: [0.3, 0.6]
"""


def test_two_sweeps_with_the_same_seeds_are_paired_and_others_are_not(tmp_path):
    a = _run(tmp_path, ONE.replace("SEEDS", "common").replace("SEED", "1"), "a")
    shifted = ONE.replace("SEEDS", "common").replace("SEED", "1").replace("0.3, 0.6", "0.2, 0.6")
    b = _run(tmp_path, shifted, "b")
    c = _run(tmp_path, ONE.replace("SEEDS", "independent").replace("SEED", "2"), "c")
    paired = compare_sweeps(a, b)  # only balance weight 0.6 is in both
    assert [m.point for m in paired.matches] == ["params.balance_weight=0.6"]
    assert paired.table["paired"].all() and (paired.table["difference"] == 0).all()
    assert "1 design points of A and 1 of B have no counterpart" in paired.notes[0]
    unpaired = compare_sweeps(a, c)
    assert not unpaired.table["paired"].any() and len(unpaired.matches) == 2
    assert set(unpaired.table["point"]) == {
        "params.balance_weight=0.3", "params.balance_weight=0.6"
    }  # fmt: skip
    runs_a, runs_c = read_runs(a), read_runs(c)
    table = unpaired.table
    row = table[(table["outcome"] == "final_strength.Russia-Pakistan")
                & (table["point"] == "params.balance_weight=0.3")].iloc[0]  # fmt: skip
    x = runs_a.loc[runs_a["point"] == 0, "final_strength.Russia-Pakistan"].to_numpy()
    y = runs_c.loc[runs_c["point"] == 0, "final_strength.Russia-Pakistan"].to_numpy()
    reference = stats.ttest_ind(y, x, equal_var=False).confidence_interval()
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((reference.low, reference.high))
    probability = table[(table["outcome"] == "P(triangle_formed.China-Russia-Pakistan)")].iloc[0]
    assert probability["ci_low"] <= probability["difference"] <= probability["ci_high"]


def test_paired_rows_count_the_same_replications_on_both_sides(tmp_path):
    a = _run(tmp_path, ONE.replace("SEEDS", "common").replace("SEED", "1"), "a")
    fewer = (
        ONE.replace("SEEDS", "common")
        .replace("SEED", "1")
        .replace("replications: 6", "replications: 4")
    )
    b = _run(tmp_path, fewer.replace("params.balance_weight: [0.3", "params.balance_weight: [0.3"),
             "b")  # fmt: skip
    comparison = compare_sweeps(a, b)
    table = comparison.table
    assert table["paired"].all() and (table["n_pairs"] == 4).all()
    assert (table["n_a"] == 4).all() and (table["n_b"] == 4).all()
    numbers = table[~table["outcome"].str.startswith("P(")]
    assert np.allclose(numbers["b"] - numbers["a"], numbers["difference"], atol=1e-12)
    assert any("2 runs without a partner" in note for note in comparison.notes)


def test_by_a_parameter_of_a_sampled_design_is_refused_before_anything_is_written(tmp_path, capsys):
    body = (
        ONE.replace("SEEDS", "common")
        .replace("SEED", "1")
        .replace(
            "params.balance_weight: [0.3, 0.6]",
            "params.balance_weight: {{low: 0.2, high: 0.8}}\n"
            "  params.history_weight: {{low: 0.2, high: 0.8}}\n"
            "design: {{method: random, samples: 4}}",
        )
    )
    out = _run(tmp_path, body, "random")
    with pytest.raises(EnsembleError, match="--by needs a design crossed over"):
        compare_by(out, "params.balance_weight")
    assert main(["compare", str(out), "--by", "params.balance_weight", "--out",
                 str(tmp_path / "cmp")]) == 2  # fmt: skip
    assert "Traceback" not in capsys.readouterr().err
    assert not (tmp_path / "cmp").exists()


def test_sweeps_over_different_parameters_are_refused(tmp_path):
    a = _run(tmp_path, ONE.replace("SEEDS", "common").replace("SEED", "1"), "a")
    other = (
        ONE.replace("SEEDS", "common")
        .replace("SEED", "1")
        .replace("params.balance_weight", "params.history_weight")
    )
    b = _run(tmp_path, other, "b")
    with pytest.raises(EnsembleError, match="vary different parameters"):
        compare_sweeps(a, b)


# --- the command ------------------------------------------------------------------------


@pytest.mark.slow
def test_the_command_writes_the_table_and_the_figures(before_tapi, tmp_path, capsys):
    out = tmp_path / "cmp"
    assert main(["compare", str(before_tapi), "--by", "scenario", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Paired: replication r ran with the same seed" in printed
    assert "0 of " in printed and "differences have a 95% interval that excludes 0" in printed
    table = pd.read_csv(out / "compare.csv")
    assert list(table.columns[:8]) == ["outcome", "point", "a", "b", "difference", "ci_low",
                                       "ci_high", "paired"]  # fmt: skip
    assert (out / "forest.png").stat().st_size > 10_000
    assert (out / "fans.png").stat().st_size > 10_000
    assert (out / "differences.png").stat().st_size > 10_000  # the sides are paired


def test_a_run_is_not_compared_with_a_sweep(before_tapi, tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["run", str(FLAGSHIP), "--steps", "2", "--no-plots", "--out", str(run)]) == 0
    capsys.readouterr()
    assert main(["compare", str(run), str(before_tapi), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "is a sweep folder and" in err and "compare two runs or two sweeps" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["B", "--by", "scenario"], "--by compares within one sweep"),
        (["--by", "scenari"], "did you mean 'scenario'?"),
        (["--by", "params.noise"], "unknown factor 'params.noise'; expected one of: scenario"),
        (["NOT_A_SWEEP"], "not a sweep folder"),
    ],
)
def test_bad_comparisons_exit_2_with_one_line(before_tapi, tmp_path, capsys, args, message):
    args = [str(tmp_path / "nothing") if a in ("B", "NOT_A_SWEEP") else a for a in args]
    assert main(["compare", str(before_tapi), *args, "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and err.count("\n") == 1
    assert not (tmp_path / "o").exists()


# --- coverage ---------------------------------------------------------------------------

SMALL = """\
name: small
calendar: {start: 2020-01, step: quarter}
steps: 6
dimensions:
  energy: {kind: complementary}
  defense: {kind: shared}
states:
  A: {power: 0.3, interests: {energy: 0.6, defense: 0.2}}
  B: {power: 0.2, interests: {energy: -0.4, defense: 0.5}}
  C: {power: 0.2, interests: {energy: 0.3, defense: -0.6}}
  D: {power: 0.1, interests: {energy: -0.2, defense: 0.1}}
  E: {power: 0.1, interests: {energy: 0.5, defense: 0.4}}
params: {noise: 0.3}
watch:
  pairs: [[A, B], [C, D]]
  triangles: [[A, B, E]]
"""


@pytest.mark.slow
def test_intervals_cover_zero_in_95_percent_of_comparisons_of_one_scenario(tmp_path):
    """1,000 comparisons of two independent ensembles of 10 runs each of one scenario: the
    95% interval of the difference contains 0 in 95% ± 3% of them, for tie strengths
    (Welch) and for the probabilities of tie levels that are neither rare nor near-certain
    (Newcombe)."""
    (tmp_path / "small.yaml").write_text(SMALL, encoding="utf-8")
    body = ("scenario: small.yaml\nreplications: 20000\nseed: 2026\nseeds: independent\n"
            "outcomes: [final_strength, final_level]\n"
            "parameters: {params.noise: [0.3]}\n")  # fmt: skip
    (tmp_path / "sweep.yaml").write_text(body, encoding="utf-8")
    execute(tmp_path / "sweep.yaml", tmp_path / "out", workers=2, progress=False)
    runs = read_runs(tmp_path / "out")
    assert len(runs) == 20000 and (runs["status"] == "ok").all()
    kinds = {"final_strength.A-B": "float", "final_strength.C-D": "float",
             "final_level.A-B": "category", "final_level.C-D": "category"}  # fmt: skip
    share = {f"P({c}={v})": p for c in kinds if kinds[c] == "category"
             for v, p in runs[c].value_counts(normalize=True).items()}  # fmt: skip
    checked = [c for c in kinds if kinds[c] == "float"]
    checked += [name for name, p in share.items() if 0.2 <= p <= 0.8]
    assert len(checked) >= 4, share
    covered = dict.fromkeys(checked, 0)
    for k in range(1000):
        a = runs.iloc[20 * k : 20 * k + 10].reset_index(drop=True)
        b = runs.iloc[20 * k + 10 : 20 * k + 20].reset_index(drop=True)
        match = Matched("all", Ensemble("A", tmp_path, 0, a, 0), Ensemble("B", tmp_path, 0, b, 0))
        for column, kind in kinds.items():
            for row in outcome_rows(match, column, kind):
                assert not row["paired"]
                if row["outcome"] in covered:
                    covered[row["outcome"]] += row["ci_low"] <= 0 <= row["ci_high"]
    rates = {c: n / 1000 for c, n in covered.items()}
    print("coverage of the 95% intervals over 1,000 comparisons:", rates)
    for name, rate in rates.items():
        assert 0.92 <= rate <= 0.98, (name, rate)
