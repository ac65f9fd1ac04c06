"""`alignsim explain`: parts that sum to the payoff, drivers named for every level change."""

from __future__ import annotations

import hashlib
import json
import shutil

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from alignsim.analysis.explain import ExplainError, explain, rounded_to_sum
from alignsim.cli import main
from tests.conftest import FLAGSHIP


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("explain") / "run"
    assert main(["run", str(FLAGSHIP), "--seed", "3", "--no-plots", "--out", str(folder)]) == 0
    return folder


def test_parts_sum_to_payoff_at_every_step(run_dir):
    explanation = explain(run_dir, "Russia", "Pakistan")
    table = explanation.table
    assert set(table["source"]) == {"Russia", "Pakistan"}
    assert len(table) == 2 * 48
    parts = table[explanation.part_names].to_numpy()
    np.testing.assert_allclose(parts.sum(axis=1), table["payoff"], atol=1e-12, rtol=0)
    assert {f"interest.{d}" for d in explanation.result.dimensions} <= set(explanation.part_names)
    assert {"balance", "history", "power", "cost", "noise"} <= set(explanation.part_names)


def test_every_level_change_has_a_sentence_with_drivers(run_dir):
    explanation = explain(run_dir, "Russia", "Pakistan")
    assert explanation.changes, "the flagship's Russia–Pakistan tie changes level"
    assert len(explanation.sentences) == len(explanation.changes)
    formed = [s for s in explanation.sentences if "became partners" in s]
    assert formed and formed[0].startswith("Russia–Pakistan became partners in 20")
    for row, sentence in zip(explanation.changes, explanation.sentences, strict=True):
        if row["kind"] != "formal_alliance" and row.get("payoff_ab.total") is not None:
            assert "+" in sentence or "−" in sentence  # signed driver values


def test_crossing_parts_match_the_trace(tmp_path):
    """With one revision per step (simultaneous activation), the parts events.csv stored at a
    crossing are exactly the traced parts of that step."""
    folder = tmp_path / "sim"
    assert main(["run", str(FLAGSHIP), "--seed", "3", "--no-plots", "--out", str(folder),
                 "--set", "params.activation=simultaneous"]) == 0  # fmt: skip
    explanation = explain(folder, "Pakistan", "Russia")
    table = explanation.table
    checked = 0
    for row in explanation.changes:
        if row.get("payoff_ab.total") is None:
            continue
        first, second = row["subject"].split("–")
        for side, source in (("payoff_ab", first), ("payoff_ba", second)):
            traced = table[(table["step"] == row["step"]) & (table["source"] == source)]
            recorded = [row[f"{side}.{name}"] for name in explanation.part_names]
            np.testing.assert_allclose(traced[explanation.part_names].iloc[0], recorded, atol=1e-12)
            checked += 1
    assert checked >= 2


def test_works_from_a_copied_folder_and_writes_figure(run_dir, tmp_path, capsys):
    copy = tmp_path / "elsewhere"
    shutil.copytree(run_dir, copy)
    assert main(["explain", str(copy), "russia", "Pakistan"]) == 0
    out = capsys.readouterr().out
    assert "Russia → Pakistan" in out and "Pakistan → Russia" in out
    assert (copy / "explain" / "Russia-Pakistan.png").stat().st_size > 10_000
    assert out.strip().splitlines()[-1].endswith("Russia-Pakistan.png")


def test_step_filter(run_dir, capsys):
    assert main(["explain", str(run_dir), "Russia", "Pakistan", "--step", "12"]) == 0
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.strip().startswith("12 ")]
    assert len(lines) == 2
    assert main(["explain", str(run_dir), "Russia", "Pakistan", "--step", "999"]) == 2


def test_unknown_state_did_you_mean(run_dir, capsys):
    with pytest.raises(ExplainError, match="did you mean 'Russia'"):
        explain(run_dir, "Rusia", "Pakistan")
    assert main(["explain", str(run_dir), "Pakistn", "China"]) == 2
    assert "did you mean 'Pakistan'" in capsys.readouterr().err


def test_a_result_taken_mid_run_explains_its_own_steps_after_the_model_steps_on():
    from alignsim.analysis.explain import explanation_from
    from alignsim.model.model import AlignmentModel
    from alignsim.model.simulate import result_of
    from alignsim.scenario import load_scenario

    model = AlignmentModel(load_scenario(FLAGSHIP), rng=3)
    model.trace_pair("Russia", "Pakistan")
    for _ in range(5):
        model.step()
    taken = result_of(model)
    model.step()  # the trace now holds a sixth step the result does not cover
    table = explanation_from(taken, "Russia", "Pakistan").table
    assert sorted(set(table["step"])) == [1, 2, 3, 4, 5]
    assert len(table) == 2 * 5


@given(
    values=st.lists(st.floats(-2, 2, allow_nan=False), min_size=1, max_size=12),
    decimals=st.sampled_from([1, 2, 3]),
)
def test_rounded_parts_add_up_to_the_rounded_payoff(values, decimals):
    total = round(sum(values), decimals)
    shown = rounded_to_sum(np.array(values), total, decimals)
    assert round(float(shown.sum()), decimals) == total
    assert np.all(np.abs(shown - np.array(values)) < 10.0**-decimals + 1e-9)


def test_table_has_the_level_the_payoff_sustains(run_dir):
    """Each step's ``sustained`` is tanh(κ·M) of that step's mutual payoff (relax rule)."""
    explanation = explain(run_dir, "Russia", "Pakistan")
    table = explanation.table
    kappa = explanation.result.scenario.params.steepness
    mutual = table.groupby("step")["payoff"].min()
    np.testing.assert_allclose(table.groupby("step")["mutual_payoff"].first(), mutual)
    np.testing.assert_allclose(table.groupby("step")["sustained"].first(), np.tanh(kappa * mutual))


def test_manifest_lists_the_explanation_files(run_dir, tmp_path):
    copy = tmp_path / "listed"
    shutil.copytree(run_dir, copy)
    assert main(["explain", str(copy), "China", "Pakistan"]) == 0
    files = json.loads((copy / "manifest.json").read_text())["files"]
    for name in ("explain/China-Pakistan.csv", "explain/China-Pakistan.png"):
        assert files[name] == hashlib.sha256((copy / name).read_bytes()).hexdigest()
