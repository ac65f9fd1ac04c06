"""`alignsim validate` over files of several kinds: each is checked as what its keys say."""

from __future__ import annotations

from pathlib import Path

import pytest

from alignsim.scenario.cli_support import SCENARIO, FileKind, own_keys, recognise, validate_files
from alignsim.scenario.problems import Problem
from alignsim.sweep.spec import SWEEP_FILE

from .conftest import DATA, MINIMAL

ROOT = Path(__file__).resolve().parents[2]
SWEEP_DATA = ROOT / "tests" / "sweep" / "data"
SWEEP_BROKEN = ROOT / "tests" / "sweep" / "broken"
KINDS = (SCENARIO, SWEEP_FILE)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_each_kind_is_told_by_the_keys_only_it_has():
    assert set(own_keys(SWEEP_FILE, KINDS)) == {
        "scenario", "replications", "seeds", "design", "parameters", "outcomes", "series"
    }  # fmt: skip
    assert {"name", "dimensions", "states", "events", "extends"} <= set(own_keys(SCENARIO, KINDS))
    shared = {"description", "steps", "seed"}
    assert not shared & (set(own_keys(SCENARIO, KINDS)) | set(own_keys(SWEEP_FILE, KINDS)))


def test_scenarios_and_sweep_files_in_one_list():
    files = [DATA / "good.yaml", SWEEP_DATA / "good.yaml", ROOT / "scenarios" / "sweeps"]
    files[2:] = sorted((ROOT / "scenarios" / "sweeps").glob("*.yaml"))
    code, lines = validate_files(files, kinds=KINDS)
    assert code == 0, lines
    assert lines == [f"{path}: ok" for path in files]


def test_a_sweep_file_is_validated_as_a_sweep_not_as_a_scenario(tmp_path: Path):
    text = (SWEEP_DATA / "good.yaml").read_text().replace("replications: 3", "replications: 0")
    text = text.replace("scenario: base.yaml", f"scenario: {SWEEP_DATA / 'base.yaml'}")
    sweep = write(tmp_path / "s.yaml", text)
    code, lines = validate_files([sweep], kinds=KINDS)
    assert code == 2
    assert lines == [f"{sweep}:3:15: replications: 0 is out of range: needs 1 <= x"]
    # with scenarios only, as before: the same file is a scenario full of unknown keys
    _, lines = validate_files([sweep])
    assert any("unknown key 'replications'" in line for line in lines)


def test_a_sweep_file_brings_the_problems_of_its_scenario():
    broken = SWEEP_BROKEN / "broken_base.yaml"
    scenario = SWEEP_DATA / "broken_scenario.yaml"
    code, lines = validate_files([broken], kinds=KINDS)
    assert code == 2
    assert [line.split(": ", 2)[:2] for line in lines] == [
        [f"{broken}:1:11", "scenario"],
        [f"{broken}:4:3", "parameters.params.balanse_weight"],
        [f"{scenario}:6:43", "states.China.interests.energy"],
        [f"{scenario}:8:10", "params.balance_wieght"],
    ]


def test_a_file_with_keys_of_both_kinds_is_a_problem_of_its_own(tmp_path: Path):
    mixed = write(tmp_path / "mixed.yaml", MINIMAL + "replications: 20\nparameters: {}\n")
    code, lines = validate_files([mixed], kinds=KINDS)
    assert code == 2
    assert lines == [
        f"{mixed}:1:1: (top): cannot tell which kind of file this is: it has scenario keys "
        "(name, dimensions, states) and sweep file keys (replications, parameters); a scenario "
        "has name:, dimensions:, states:; a sweep file has scenario:, parameters:"
    ]


def test_a_file_with_keys_of_neither_kind_is_a_problem_of_its_own(tmp_path: Path):
    neither = write(tmp_path / "neither.yaml", "steps: 4\ncolour: blue\n")
    code, lines = validate_files([neither], kinds=KINDS)
    assert code == 2
    assert lines == [
        f"{neither}:1:1: (top): neither a scenario nor a sweep file: none of its keys tells "
        "which (a scenario has name:, dimensions:, states:; a sweep file has scenario:, "
        "parameters:)"
    ]


def test_misspelt_keys_still_tell_the_kind(tmp_path: Path):
    sweep = write(tmp_path / "s.yaml", "scenaro: x.yaml\nparamters: {a: [1]}\n")
    assert recognise(sweep, KINDS) is SWEEP_FILE
    code, lines = validate_files([sweep], kinds=KINDS)
    assert code == 2
    assert f"{sweep}:1:1: scenaro: unknown key 'scenaro'; did you mean 'scenario'?" in lines
    scenario = write(tmp_path / "t.yaml", "nmae: x\nstats: {}\n")
    assert recognise(scenario, KINDS) is SCENARIO


@pytest.mark.parametrize(
    "text", ["", "- a list\n", "a: [unclosed\n", "{}\n"], ids=["empty", "list", "syntax", "{}"]
)
def test_a_file_that_is_no_mapping_is_checked_as_a_scenario(tmp_path: Path, text: str):
    path = write(tmp_path / "x.yaml", text)
    assert recognise(path, KINDS) is SCENARIO
    assert validate_files([path], kinds=KINDS) == validate_files([path])


def test_unreadable_files_are_reported_once(tmp_path: Path):
    missing = tmp_path / "missing.yaml"
    code, lines = validate_files([missing, tmp_path], kinds=KINDS)
    assert code == 2
    assert [line.split(": ")[0] for line in lines] == [f"{missing}:1:1", f"{tmp_path}:1:1"]


def test_overrides_apply_to_scenarios_only(tmp_path: Path):
    files = [DATA / "good.yaml", SWEEP_DATA / "good.yaml"]
    code, lines = validate_files(files, overrides=["params.noise=-1"], kinds=KINDS)
    assert code == 2
    assert lines[0].startswith("<--set params.noise=-1>:1:1: params.noise: ")
    assert lines[-1] == f"{files[1]}: ok"


def test_another_kind_of_file_is_one_more_entry(tmp_path: Path):
    # the seam for further kinds: a kind is its keys and its loader
    seen: list[Path] = []
    other = FileKind("calibration", ("scenario", "targets"), seen.append, "targets:")
    path = write(tmp_path / "c.yaml", "scenario: a.yaml\ntargets: {}\n")
    assert recognise(path, (SCENARIO, SWEEP_FILE, other)) is other
    assert validate_files([path], kinds=(SCENARIO, SWEEP_FILE, other)) == (0, [f"{path}: ok"])
    assert seen == [path]
    problem = recognise(write(tmp_path / "d.yaml", "scenario: a.yaml\n"), (SWEEP_FILE, other))
    assert isinstance(problem, Problem)
    assert "neither a sweep file nor a calibration" in problem.message
