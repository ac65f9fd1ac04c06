"""Calibration files: every problem at its FILE:LINE:COL, exit 2, nothing created."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from alignsim.calibrate.spec import CalibrationError, load_calibration
from alignsim.cli import main

from .conftest import SMALL, write_calibration


def problems(path: Path) -> list[str]:
    with pytest.raises(CalibrationError) as caught:
        load_calibration(path)
    return [str(p) for p in caught.value.problems]


def test_a_good_file_loads_with_its_defaults(tmp_path: Path) -> None:
    calibration = load_calibration(write_calibration(tmp_path, extra=""))
    assert list(calibration.parameters) == ["params.balance_weight", "params.learning_rate"]
    assert calibration.parameters["params.learning_rate"].prior == "uniform"
    assert calibration.loss == "rps"
    assert calibration.test is None
    assert (calibration.train.first, calibration.train.last) == (0, 12)
    assert len(calibration.train_table) == len(calibration.history.table) == 60


def test_periods_split_the_observations(tmp_path: Path) -> None:
    calibration = load_calibration(write_calibration(tmp_path))
    assert (calibration.train.first, calibration.train.last) == (0, 7)
    assert calibration.test is not None and calibration.test.first == 8
    assert set(calibration.train_table["step"]) == {2, 4, 6}
    assert set(calibration.test_table["step"]) == {8, 10, 12}


def test_every_keeps_every_nth_step_of_a_period_from_its_first(tmp_path: Path) -> None:
    extra = "train: {to: 2011-Q4, every: 4}\ntest: {from: 2012, every: 4}\n"
    calibration = load_calibration(write_calibration(tmp_path, extra=extra))
    assert set(calibration.train_table["step"]) == {4}  # steps 0 and 4 of 2, 4, 6
    assert set(calibration.test_table["step"]) == {8, 12}
    assert calibration.train.text.endswith(", every 4 steps")
    assert calibration.test is not None and calibration.test.holds(12)
    assert not calibration.test.holds(10)


def test_a_bad_every_is_reported_at_its_line(tmp_path: Path) -> None:
    extra = "train: {to: 2011-Q4, every: 0}\ntest: {from: 2012, evry: 2}\n"
    found = problems(write_calibration(tmp_path, extra=extra))
    assert any(":8:" in p and "train.every: 0 is out of range" in p for p in found), found
    assert any(":9:" in p and "did you mean 'every'" in p for p in found), found
    found = problems(write_calibration(tmp_path, extra="train: {to: 2011-Q4, every: 1.5}\n"))
    assert any(":8:" in p and "expected a whole number" in p for p in found), found


def test_mistakes_are_reported_at_their_lines_with_a_did_you_mean(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    scenario = os.path.relpath(SMALL, tmp_path)
    path.write_text(
        f"scenario: {scenario}\n"  # 1
        "parameters:\n"  # 2
        "  params.balance_wieght: {low: 0.0, high: 1.0}\n"  # 3
        "  params.learning_rate: {low: 0.0, high: 0.5, prior: logunifrom}\n"  # 4
        "replications: 0\n"  # 5
        "loss: rpss\n"  # 6
        "method: {population: 8, generation: 3}\n"  # 7
        "train: {to: 2031-Q4}\n"  # 8
        "seeds: 3\n",  # 9
        encoding="utf-8",
    )
    found = problems(path)
    expected = [
        f"{path}:3:3: parameters.params.balance_wieght: unknown parameter 'balance_wieght'; did "
        "you mean 'balance_weight'?",
        f"{path}:4:54: parameters.params.learning_rate.prior: unknown prior 'logunifrom'; did "
        "you mean 'loguniform'?",
        f"{path}:5:15: replications: 0 is out of range: needs 1 <= x",
        f"{path}:6:7: loss: unknown loss 'rpss'; did you mean 'rps'?",
        f"{path}:7:25: method.generation: unknown key 'generation'; did you mean 'generations'?",
        f"{path}:8:13: train.to: 2031-Q4 is after the last step (12, 2013-Q1); the scenario "
        "ends there",
        f"{path}:9:1: seeds: unknown key 'seeds'; did you mean 'seed'?",
    ]
    for line in expected:
        assert line in found, (line, found)


def test_a_value_the_scenario_rejects_is_reported_at_the_range_end(tmp_path: Path) -> None:
    path = write_calibration(
        tmp_path, parameters="  params.learning_rate: {low: 0.0, high: 0.5}\n", extra=""
    )
    found = problems(path)
    assert len(found) == 1
    assert found[0].startswith(f"{path}:3:31: parameters.params.learning_rate.low: ")
    assert "out of range: needs 0 < x <= 1" in found[0]


def test_ranges_and_periods_that_cannot_be(tmp_path: Path) -> None:
    path = write_calibration(
        tmp_path,
        parameters="  params.balance_weight: {low: 1.0, high: 1.0}\n"
        "  params.learning_rate: [0.1, 0.2]\n",
        extra="train: {from: 2011, to: 2012-Q2}\ntest: {from: 2012, to: 2010-Q1}\n",
    )
    found = problems(path)
    assert any(":3:" in p and "must be above low" in p for p in found), found
    assert any(":4:" in p and "needs a range {low, high}" in p for p in found), found
    assert any(":9:" in p and "the period starts after it ends" in p for p in found), found


def test_the_command_exits_2_with_the_lines_and_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_calibration(tmp_path, extra="loss: rpss\n")
    out = tmp_path / "out"
    assert main(["calibrate", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.strip() == f"{path}:8:7: loss: unknown loss 'rpss'; did you mean 'rps'?"
    assert not out.exists()


def test_the_command_needs_a_file_and_a_folder(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calibrate"]) == 2
    assert "give a calibration file and --out DIR" in capsys.readouterr().err


def test_the_example_in_the_docs_loads(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    text = (root / "docs" / "calibration.md").read_text()
    example = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    folder = root / "scenarios" / "calibrations"  # where the example's paths lead
    path = tmp_path / "flagship.yaml"
    path.write_text(example.replace(": ../", f": {folder}/../"), encoding="utf-8")
    calibration = load_calibration(path)
    assert calibration.parameters["params.interest_weight"].prior == "loguniform"
    assert (
        calibration.test is not None
        and calibration.scenario.date_of(calibration.test.first) == "2022-Q1"
    )
    assert calibration.scenario.date_of(calibration.train.last) == "2021-Q4"


def test_an_event_without_an_id_cannot_be_calibrated(tmp_path: Path) -> None:
    path = write_calibration(
        tmp_path, parameters="  events.0.shift.A.security: {low: -1.5, high: 0.0}\n", extra=""
    )
    found = problems(path)
    assert found == [
        f"{path}:3:3: parameters.events.0.shift.A.security: event 0 has no id; give it one "
        "(id: NAME) to calibrate it: calibrated.yaml names events by id"
    ]


def test_validate_tells_a_calibration_file_by_its_keys(tmp_path: Path, capsys) -> None:
    good = write_calibration(tmp_path)
    assert main(["validate", str(good), str(SMALL)]) == 0
    assert capsys.readouterr().out.splitlines() == [f"{good}: ok", f"{SMALL}: ok"]
    bad = write_calibration(tmp_path, replications=0, name="bad.yaml")
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err == f"{bad}:5:15: replications: 0 is out of range: needs 1 <= x\n"


SHIPPED = Path(__file__).resolve().parents[2] / "scenarios" / "calibration"


def test_the_shipped_calibration_files_load_and_keep_their_promises() -> None:
    flagship = load_calibration(SHIPPED / "flagship.yaml")
    assert (len(flagship.train_table), len(flagship.test_table)) == (66, 66)
    cow = load_calibration(SHIPPED / "cow.yaml")
    # windows that do not overlap: 50-53 ... 66-69 to fit, 70-73 ... 86-89 to score
    assert sorted(set(cow.train_table["date"])) == ["1953", "1957", "1961", "1965", "1969"]
    assert sorted(set(cow.test_table["date"])) == ["1973", "1977", "1981", "1985", "1989"]
    assert len(cow.scenario.state_names) == 151
