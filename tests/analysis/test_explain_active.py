"""Explanations of a run where states enter and leave (``states.X.active``)."""

from __future__ import annotations

import pytest

from alignsim.analysis.explain import ExplainError, explain
from alignsim.cli import main
from tests.viz.test_active_figures import NEWCOMER


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("newcomer")
    scenario = folder / "newcomer.yaml"
    # Estoria comes after the run's end: it is never in the world
    scenario.write_text(NEWCOMER.replace("from: '1960'", "from: '1990'"), encoding="utf-8")
    assert main(["run", str(scenario), "--out", str(folder / "run"), "--no-plots"]) == 0
    return folder / "run"


def test_a_pair_in_the_world_only_for_a_while_is_explained_for_that_while(run_dir):
    explanation = explain(run_dir, "Cascadia", "Drava")
    steps = set(explanation.table["step"])
    assert steps == set(range(1, 7)) | set(range(14, 31))  # Drava is out 1957–1963


def test_a_pair_never_in_the_world_together_is_a_clear_error(run_dir):
    with pytest.raises(ExplainError, match="never in the world together"):
        explain(run_dir, "Atlantia", "Estoria")
