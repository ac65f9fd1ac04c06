"""calibrated.yaml: the smallest child scenario that gives the estimates through extends."""

from __future__ import annotations

from pathlib import Path

import pytest

from alignsim.calibrate.storage import calibrated_document, calibrated_text, weighted_quantile
from alignsim.scenario import load_scenario
from alignsim.scenario.loading import read_raw, resolve_raw

from .conftest import SMALL


def test_values_at_any_path_are_given_as_extends_merges_them(tmp_path: Path) -> None:
    raw = resolve_raw(read_raw(SMALL.read_text(), str(SMALL)))
    values = {
        "params.balance_weight": 0.812345678,
        "states.A.interests.trade": 0.25,
        "events.c_e_fall_out.tie.shift": -0.375,
    }
    child = calibrated_document(raw.data, values, {})
    assert child["params"] == {"balance_weight": 0.8123}  # 4 significant digits
    assert child["states"] == {"A": {"interests": {"trade": 0.25}}}
    [event] = child["events"]  # given whole, under its id
    assert event["id"] == "c_e_fall_out" and event["tie"]["shift"] == -0.375
    path = tmp_path / "out" / "calibrated.yaml"
    path.parent.mkdir()
    path.write_text(calibrated_text(SMALL, path.parent, child, ["a comment"]))
    assert path.read_text().startswith("# a comment\nextends: ")
    scenario = load_scenario(path)
    parent = load_scenario(SMALL)
    assert scenario.params.balance_weight == 0.8123
    assert scenario.states["A"].interests["trade"] == 0.25
    assert scenario.states["B"] == parent.states["B"]
    assert [e.note for e in scenario.events] == [e.note for e in parent.events]
    assert scenario.events[1].tie[0].shift == -0.375


def test_weighted_quantiles_interpolate_between_weighted_points() -> None:
    values, weights = [3.0, 1.0, 2.0, 4.0], [0.25, 0.25, 0.25, 0.25]
    assert weighted_quantile(values, weights, 0.5) == pytest.approx(2.5)
    # each point at the middle of its weight: 1 at 0.25, 2 at 0.625, 3 at 0.875
    assert weighted_quantile([1.0, 2.0, 3.0], [0.5, 0.25, 0.25], 0.5) == pytest.approx(5 / 3)
    assert weighted_quantile(values, weights, 0.0) == 1.0
