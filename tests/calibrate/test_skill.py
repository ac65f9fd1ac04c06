"""Skill against baselines on hand-made histories of the small world, where the right
numbers are known: a perfect forecast, persistence on a history that never changes,
rankings of the pairs that change, ties, base rates and the table's text."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alignsim.calibrate.baselines import (
    base_rate_forecast,
    base_rates,
    persistence,
    training_rates,
    within_sign,
)
from alignsim.calibrate.loss import observations_from_table
from alignsim.calibrate.skill import (
    METRICS,
    Forecast,
    ScoredPeriod,
    auc,
    format_skill,
    runs_forecast,
    scored_period,
    sign_hits,
    skill_table,
)
from alignsim.scenario import load_scenario
from alignsim.scenario.observed import LEVELS, read_observed

from .conftest import SMALL

#: Train 2010, test 2011: A–B and A–D change sign, A–C and C–D only level, A–E stays.
CHANGING = """\
date,source,target,value
2010-Q2,A,B,neutral
2010-Q3,A,B,neutral
2010-Q3,A,C,rival
2010-Q3,A,D,0
2010-Q3,A,E,partner
2010-Q3,C,D,partner
2011-Q1,A,B,partner
2011-Q1,A,C,hostile
2011-Q1,A,D,-1
2011-Q1,A,E,partner
2011-Q1,C,D,alliance
2011-Q1,B,E,partner
2011-Q3,A,B,alliance
2011-Q3,A,D,-1
2011-Q3,A,E,partner
"""
FIRST_TEST_STEP = 4  # 2011-Q1


def history(tmp_path: Path, text: str) -> pd.DataFrame:
    path = tmp_path / "observed.csv"
    path.write_text(text, encoding="utf-8")
    return read_observed(path, load_scenario(SMALL)).table


def split(table: pd.DataFrame, first: int = FIRST_TEST_STEP) -> tuple[pd.DataFrame, ScoredPeriod]:
    train = table[table["step"] < first].reset_index(drop=True)
    test = table[table["step"] >= first].reset_index(drop=True)
    return train, scored_period(train, test, first)


def sure(levels: list[int]) -> np.ndarray:
    return np.eye(len(LEVELS))[levels]


def values(table: pd.DataFrame, model: str) -> dict[str, float]:
    rows = table[table["model"] == model]
    return dict(zip(rows["metric"], rows["value"], strict=True))


def counts(table: pd.DataFrame, model: str) -> dict[str, int]:
    rows = table[table["model"] == model]
    return dict(zip(rows["metric"], rows["n"], strict=True))


def test_the_test_period_knows_each_pairs_last_value(tmp_path: Path) -> None:
    _, period = split(history(tmp_path, CHANGING))
    assert period.pairs == (("A", "B"), ("A", "C"), ("A", "D"), ("A", "E"), ("C", "D"))
    assert len(period.observations) == 9
    # B–E was never seen before the test period: no last value, not one of the AUC's pairs
    b_e = (period.table["source"] == "B").to_numpy()
    assert period.last_sign[b_e].tolist() == [-1] and period.pair[b_e].tolist() == [-1]
    # A–D was last seen as the sign 0 (a sign: no level); A–B as neutral, at 2010-Q3
    a_d = ((period.table["source"] == "A") & (period.table["target"] == "D")).to_numpy()
    assert set(period.last_level[a_d]) == {-1} and set(period.last_sign[a_d]) == {1}
    assert period.changed.tolist() == [
        True, False, True, False, False, False, True, True, False
    ]  # fmt: skip
    assert period.pair_changed.tolist() == [True, False, True, False, False]
    assert period.pair_observations.tolist() == [2, 1, 2, 2, 1]


def test_a_perfect_forecast_scores_accuracy_1_and_brier_0(tmp_path: Path) -> None:
    _, period = split(history(tmp_path, CHANGING))
    observed = period.observations
    levels = [lv if lv >= 0 else {0: 0, 1: 2, 2: 3}[s]
              for lv, s in zip(observed.level, observed.sign, strict=True)]  # fmt: skip
    perfect = Forecast("perfect", sure(levels), period.pair_changed.astype(float))
    got = values(skill_table([perfect], period), "perfect")
    assert got == {"sign accuracy": 1.0, "Brier": 0.0, "RPS": 0.0, "AUC": 1.0,
                   "sign accuracy (changed)": 1.0, "Brier (changed)": 0.0}  # fmt: skip


def test_persistence_on_a_history_that_never_changes_is_perfect(tmp_path: Path) -> None:
    text = "date,source,target,value\n" + "".join(
        f"{year}-Q3,{a},{b},{value}\n"
        for year in (2010, 2011, 2012)
        for a, b, value in (("A", "B", "partner"), ("C", "D", "-1"), ("A", "E", "0.1"))
    )
    train, period = split(history(tmp_path, text), first=8)
    table = skill_table([persistence(period, training_rates(train))], period)
    got, n = values(table, "persistence"), counts(table, "persistence")
    assert (got["sign accuracy"], got["Brier"], got["RPS"]) == (1.0, 0.0, 0.0)
    assert (n["sign accuracy"], n["AUC"], n["Brier (changed)"]) == (3, 3, 0)
    # nothing changes: no pair to rank and no changed observation to score
    assert np.isnan(got["AUC"]) and np.isnan(got["sign accuracy (changed)"])


def test_persistence_loses_every_changed_sign_and_its_auc_is_one_half(tmp_path: Path) -> None:
    train, period = split(history(tmp_path, CHANGING))
    got = values(skill_table([persistence(period, training_rates(train))], period), "persistence")
    assert got["sign accuracy (changed)"] == 0.0 and got["Brier (changed)"] == 2.0
    assert got["AUC"] == 0.5  # every pair gets 0: all ties, by construction
    # 4 of 9 right: A–C, C–D and A–E twice; wrong are the four changed signs and B–E,
    # never seen before, whose base rates make 0 the most probable sign (it was +1)
    assert got["sign accuracy"] == pytest.approx(4 / 9)


def test_auc_is_1_when_the_changing_pairs_come_first_and_0_when_last() -> None:
    changed = np.array([True, False, True, False, False])
    assert auc(np.array([0.9, 0.1, 0.8, 0.3, 0.2]), changed) == 1.0
    assert auc(np.array([0.1, 0.9, 0.2, 0.8, 0.7]), changed) == 0.0
    assert auc(np.array([0.5, 0.5, 0.9, 0.1, 0.5]), changed) == pytest.approx(
        (0.5 + 1 + 0.5 + 3) / 6
    )
    assert np.isnan(auc(np.array([0.2, 0.4]), np.array([False, False])))


def test_a_tie_between_signs_counts_a_share() -> None:
    table = pd.DataFrame({"kind": ["level"] * 3, "level": ["partner", "rival", "neutral"],
                          "sign": [1, -1, 0]})  # fmt: skip
    observations = observations_from_table(table)
    levels = np.zeros((3, len(LEVELS)))
    levels[:, LEVELS.index("partner")] = 0.5  # +1 and −1 tie in every row
    levels[:, LEVELS.index("rival")] = 0.5
    assert sign_hits(levels, observations).tolist() == [0.5, 0.5, 0.0]
    thirds = np.tile([1 / 6, 1 / 6, 1 / 3, 1 / 6, 1 / 6, 0.0], (3, 1))  # a third on each sign
    assert sign_hits(thirds, observations) == pytest.approx([1 / 3] * 3)


def test_base_rates_pool_the_training_period(tmp_path: Path) -> None:
    train, period = split(history(tmp_path, CHANGING))
    rates = training_rates(train)
    # six observations: neutral twice, rival, sign 0, partner twice
    expected = dict(hostile=0, rival=1 / 6, neutral=3 / 6, partner=2 / 6, alliance=0)
    assert dict(zip(LEVELS[:5], rates[:5], strict=True)) == pytest.approx(expected)
    forecast = base_rate_forecast(period, rates)
    assert (forecast.levels == rates).all()
    # a pair's chance of a sign change: 1 − p(last sign)^k, k its test observations
    stay = np.array([3 / 6, 1 / 6, 3 / 6, 2 / 6, 2 / 6])
    assert forecast.change == pytest.approx(1 - stay ** np.array([2, 1, 2, 2, 1]))


def test_a_sign_is_spread_over_its_levels_as_the_base_rates_spread_it() -> None:
    table = pd.DataFrame(
        {"kind": ["sign", "sign", "level", "level"], "level": ["", "", "alliance", "partner"],
         "sign": [1, -1, 1, 1]}
    )  # fmt: skip
    rates = base_rates(observations_from_table(table))
    assert rates.tolist() == pytest.approx([0.125, 0.125, 0.0, 0.375, 0.375, 0.0])
    assert within_sign(rates, 2).tolist() == pytest.approx([0, 0, 0, 0.5, 0.5, 0])
    assert within_sign(np.zeros(6), 0).tolist() == pytest.approx([0.5, 0.5, 0, 0, 0, 0])


def test_a_persisted_sign_and_an_unseen_pair_take_the_base_rates(tmp_path: Path) -> None:
    train, period = split(history(tmp_path, CHANGING))
    rates = training_rates(train)
    levels = persistence(period, rates).levels
    source, target = period.table["source"], period.table["target"]
    a_d = ((source == "A") & (target == "D")).to_numpy()
    assert levels[a_d] == pytest.approx(np.tile([0, 0, 1, 0, 0, 0], (2, 1)))  # sign 0: neutral
    assert levels[(source == "B").to_numpy()][0] == pytest.approx(rates)
    a_b = ((source == "A") & (target == "B")).to_numpy()
    assert levels[a_b] == pytest.approx(sure([2, 2]))


def test_runs_give_the_share_of_runs_in_which_a_pair_changes_sign(tmp_path: Path) -> None:
    _, period = split(history(tmp_path, CHANGING))
    neutral, partner, rival = (LEVELS.index(x) for x in ("neutral", "partner", "rival"))
    # observations: A–B, A–C, A–D, A–E, C–D, B–E (2011-Q1); A–B, A–D, A–E (2011-Q3)
    codes = np.array([
        [neutral, rival, neutral, partner, partner, partner, neutral, neutral, partner],
        [neutral, rival, neutral, partner, partner, partner, partner, rival, partner],
        [partner, rival, neutral, partner, partner, partner, neutral, neutral, neutral],
        [neutral, rival, neutral, partner, partner, partner, neutral, neutral, partner],
    ])  # fmt: skip
    forecast = runs_forecast("runs", codes, period)
    assert forecast.change.tolist() == [0.5, 0.0, 0.25, 0.25, 0.0]
    assert forecast.levels[0, neutral] == 0.75 and forecast.levels[0, partner] == 0.25


def test_the_table_has_every_metric_of_every_model_and_reads_as_text(tmp_path: Path) -> None:
    train, period = split(history(tmp_path, CHANGING))
    rates = training_rates(train)
    table = skill_table([persistence(period, rates), base_rate_forecast(period, rates)], period)
    assert list(table.columns) == ["model", "metric", "period", "value", "n"]
    assert list(table["metric"].iloc[:6]) == list(METRICS)
    assert set(table["period"]) == {"test"}
    assert counts(table, "base rates") == {
        "sign accuracy": 9, "Brier": 9, "RPS": 9, "AUC": 5,
        "sign accuracy (changed)": 4, "Brier (changed)": 4,
    }  # fmt: skip
    text = format_skill(table).splitlines()
    assert text[0].split()[:2] == ["sign", "accuracy"]
    assert text[1].startswith("persistence") and text[2].startswith("base rates")
    assert text[3].split() == ["n", "9", "9", "9", "5", "4", "4"]


def test_the_figure_has_a_panel_per_metric_and_says_which_way_is_better(
    tmp_path: Path,
) -> None:
    from alignsim.viz.calibrate import skill_figure

    train, period = split(history(tmp_path, CHANGING))
    rates = training_rates(train)
    table = skill_table([persistence(period, rates), base_rate_forecast(period, rates)], period)
    table.loc[table["metric"] == "AUC", "value"] = np.nan  # a metric without cases
    figure = skill_figure(table, "heading")
    titles = [ax.get_title(loc="left") for ax in figure.axes]
    assert len(titles) == len(METRICS)
    assert titles[0] == "sign accuracy\nhigher is better; 9 observations"
    assert titles[1].endswith("lower is better; 9 observations")
    assert titles[3] == "AUC: which pairs change sign\nhigher is better, 0.5 is chance; 5 pairs"
    assert "no cases" in [t.get_text() for t in figure.axes[3].texts]
    labels = [t.get_text() for t in figure.axes[0].get_yticklabels()]
    assert labels == ["persistence", "base rates"]


def test_the_flagship_calibration_trains_on_2014_2019_and_tests_on_2020_2025() -> None:
    from alignsim.calibrate.spec import load_calibration

    root = Path(__file__).resolve().parents[2]
    calibration = load_calibration(root / "scenarios" / "calibration" / "flagship.yaml")
    assert calibration.history.file.endswith("observed/pakistan_china_russia.csv")
    train, test = calibration.train_table, calibration.test_table
    assert (train["date"].min(), train["date"].max()) == ("2014-Q4", "2019-Q4")
    assert (test["date"].min(), test["date"].max()) == ("2020-Q4", "2025-Q4")
    assert len(train) == len(test) == 66
    assert "params.interest_weight" in calibration.parameters


def test_per_pair_reductions_are_those_of_each_pair_s_observations() -> None:
    """The pairs' change flags and last signs, read in one pass, are those of a loop over
    the pairs (the COW world has 6,594 pairs and 41,290 test observations)."""
    from alignsim.calibrate.loss import Observations
    from alignsim.calibrate.skill import NONE, ScoredPeriod

    rng = np.random.default_rng(3)
    pairs = tuple((f"S{k}", f"T{k}") for k in range(40))
    pair = rng.integers(-1, len(pairs), size=300)  # -1: a pair not seen before (NONE)
    assert NONE == -1
    last = rng.integers(0, 3, size=len(pairs))
    last_sign = np.where(pair == NONE, NONE, last[pair])
    sign = rng.integers(0, 3, size=300)
    period = ScoredPeriod(
        table=pd.DataFrame(), observations=Observations(np.zeros(300, int), -np.ones(300, int),
                                                        sign),
        last_level=np.full(300, NONE), last_sign=last_sign, pair=pair, pairs=pairs,
    )  # fmt: skip
    changed = period.changed
    loop = [changed[pair == p].any() for p in range(len(pairs))]
    assert period.pair_changed.tolist() == loop
    seen = [p for p in range(len(pairs)) if (pair == p).any()]
    assert period.pair_last_sign[seen].tolist() == last[seen].tolist()
    flags = rng.random((5, 300)) < 0.01
    expected = [[flags[r, pair == p].any() for p in range(len(pairs))] for r in range(5)]
    assert period.any_per_pair(flags).tolist() == expected
