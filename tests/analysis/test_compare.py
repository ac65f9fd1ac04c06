"""`alignsim compare`: no divergence for equal runs, dated divergence for counterfactuals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alignsim.analysis.compare import CompareError, _divergence_shares, compare_runs, describe
from alignsim.cli import main
from alignsim.model.simulate import simulate
from tests.conftest import FLAGSHIP, random_document, scenario_from

COLUMNS = ["source", "target", "strength_a", "strength_b", "level_a", "level_b",
           "first_divergence"]  # fmt: skip


def run(folder, *extra: str, scenario=FLAGSHIP) -> str:
    assert main(["run", str(scenario), "--no-plots", "--out", str(folder), *extra]) == 0
    return str(folder)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("cmp")
    return {
        "a": run(base / "a", "--seed", "3", "--steps", "24"),
        "same": run(base / "same", "--seed", "3", "--steps", "24"),
        "later": run(
            base / "later",
            "--seed",
            "3",
            "--steps",
            "24",
            "--set",
            "events.crimea_sanctions.at=2016-01",
        ),
        "seed4": run(base / "seed4", "--seed", "4", "--steps", "24"),
    }


def test_same_seed_never_diverges(runs, tmp_path):
    out = tmp_path / "out"
    assert main(["compare", runs["a"], runs["same"], "--out", str(out)]) == 0
    table = pd.read_csv(out / "compare.csv")
    assert list(table.columns[: len(COLUMNS)]) == COLUMNS
    assert len(table) == 66
    assert table["first_divergence"].isna().all()
    assert (table["strength_a"] == table["strength_b"]).all()
    assert (out / "compare.png").stat().st_size > 10_000


def test_counterfactual_diverges_no_earlier_than_its_change(runs):
    comparison = compare_runs(runs["a"], runs["later"])
    diverging = comparison.diverging
    assert not diverging.empty
    moved = comparison.a.scenario.step_of("2014-03")  # the event's step in run A
    assert int(diverging["first_divergence"].min()) == moved
    first = diverging[diverging["first_divergence"] == moved]
    assert (first["parts_differing"] != "").all()


def test_other_seed_diverges_at_once(runs):
    comparison = compare_runs(runs["a"], runs["seed4"])
    assert int(comparison.diverging["first_divergence"].min()) == 1


def test_runs_without_shared_states_cannot_be_compared(runs, tmp_path, capsys):
    doc = random_document(3, 4, 2)
    other = tmp_path / "other.yaml"
    other.write_text(scenario_from(doc).to_yaml())
    folder = run(tmp_path / "other-run", scenario=other)
    with pytest.raises(CompareError, match="share 0 state"):
        compare_runs(runs["a"], folder)
    assert main(["compare", runs["a"], folder, "--out", str(tmp_path / "x")]) == 2
    assert "share 0 state" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_refuses_a_folder_that_is_not_a_run(runs, tmp_path, capsys):
    assert main(["compare", runs["a"], str(tmp_path), "--out", str(tmp_path / "y")]) == 2
    assert "not a complete alignsim run folder" in capsys.readouterr().err


def test_tapi_blocked_diverges_at_or_after_tapi_changes(tmp_path):
    counterfactual = FLAGSHIP.parent / "counterfactuals" / "tapi_blocked.yaml"
    base = run(tmp_path / "flagship", "--seed", "3")
    variant = run(tmp_path / "tapi", "--seed", "3", scenario=counterfactual)
    comparison = compare_runs(base, variant)
    assert not comparison.diverging.empty
    changes = [
        e for e in comparison.b.recorder.events
        if e["kind"] == "scenario" and "TAPI" in str(e.get("effect"))
    ]  # fmt: skip
    tapi_step = min(int(e["step"]) for e in changes)
    assert int(comparison.diverging["first_divergence"].min()) >= tapi_step
    out = tmp_path / "cmp"
    assert main(["compare", base, variant, "--out", str(out)]) == 0
    assert (out / "compare.csv").is_file() and (out / "compare.png").is_file()


def test_shares_of_the_first_difference_add_up_to_it(runs):
    """At a pair's first divergence the payoff parts' shares and the rest (events, the rule)
    add up to the difference of the ties, and each part's share has the sign of its own
    difference between the runs."""
    comparison = compare_runs(runs["a"], runs["seed4"])
    a, b = comparison.a, comparison.b
    pairs = [(r.source, r.target) for r in comparison.diverging.itertuples(index=False)]
    reruns = [simulate(r.scenario, seed=r.seed, steps=r.steps, trace=pairs[:12]) for r in (a, b)]
    for x, y in pairs[:12]:
        key = tuple(n for n in a.names if n in (x, y))
        ta, tb = (rerun.extra["traces"][key] for rerun in reruns)
        step = int(comparison.table.set_index(["source", "target"]).loc[(x, y), "first_divergence"])
        after_a, after_b = a.strength(x, y)[step], b.strength(x, y)[step]
        shares, rest = _divergence_shares(ta.rows[step], tb.rows[step], after_a, after_b)
        assert shares.sum() + rest == pytest.approx(after_b - after_a, abs=1e-12)
        assert abs(rest) < 1e-9  # the same tie before, the same rule: all from the payoffs

        def mutual(row):
            return row[0] if row[2] <= row[3] else row[1]

        delta = mutual(tb.rows[step]) - mutual(ta.rows[step])
        for share, change in zip(shares, delta, strict=True):
            if abs(share) > 1e-12:
                assert np.sign(share) == np.sign(change)


def test_an_event_that_moved_a_tie_is_named(runs):
    comparison = compare_runs(runs["a"], runs["later"])
    table = comparison.table
    row = table[table["source"].isin(["United States", "Russia"])
                & table["target"].isin(["United States", "Russia"])].iloc[0]  # fmt: skip
    assert row["first_divergence"] == 1  # Crimea shifts it in A at once, in B two years later
    assert "a scenario event or the rule" in row["parts_differing"]


def test_terminal_lists_only_ties_that_differ_at_the_end(runs):
    later = describe(compare_runs(runs["a"], runs["later"]))  # Crimea two years later
    assert later[-1].startswith("No tie differs by 0.005 or more at the end")
    lines = describe(compare_runs(runs["a"], runs["seed4"]))
    listed = [line for line in lines if line.startswith("  ")]
    assert listed
    for line in listed:
        before, after = line.split(": ", 1)[1].split(";")[0].split(" → ")
        assert before.split()[0] != after.split()[0]  # e.g. not "-0.45 (rival) → -0.45 (rival)"
