"""Sweep files: loading, defaults, and every problem reported at its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from alignsim.scenario import load_scenario_text
from alignsim.scenario.loading import read_file
from alignsim.sweep import (
    DEFAULT_OUTCOMES,
    KNOWN_OUTCOMES,
    Design,
    ParameterSpec,
    SweepError,
    load_sweep,
    load_sweep_text,
)
from alignsim.sweep.spec import format_value

HERE = Path(__file__).parent
DATA = HERE / "data"
BROKEN = HERE / "broken"
BASE = DATA / "base.yaml"

# file stem -> [(file, line, col, path, part of the message)], in reporting order.
SWEEP = "sweep"
EXPECTED: dict[str, list[tuple[str, int, int, str, str]]] = {
    "unknown_path": [
        (SWEEP, 3, 3, "parameters.params.balance_wieght", "did you mean 'balance_weight'?"),
        (SWEEP, 4, 3, "parameters.states.Rusia.interests.energy", "did you mean 'Russia'?"),
        (SWEEP, 5, 3, "parameters.states.Russia.interests.enrgy", "unknown dimension 'enrgy'"),
        (SWEEP, 6, 3, "parameters.events.druzba.at", "unknown event id 'druzba'; did you mean"),
    ],
    "low_above_high": [
        (SWEEP, 5, 10, "parameters.params.balance_weight.low", "low (0.9) is above high (0.1)"),
        (SWEEP, 8, 44, "parameters.params.noise.num", "0 is out of range: needs 1 <= x"),
    ],
    "unknown_design": [
        (SWEEP, 3, 11, "design.method", "unknown design method 'sobel'; did you mean 'sobol'?"),
    ],
    "combined": [
        (SWEEP, 2, 15, "replications", "0 is out of range: needs 1 <= x"),
        (SWEEP, 3, 1, "desing", "unknown key 'desing'; did you mean 'design'?"),
        (SWEEP, 4, 1, "design", "the lhs design needs `samples`"),
        (SWEEP, 6, 3, "parameters.params.balance_wieght", "did you mean 'balance_weight'?"),
        (SWEEP, 7, 23, "parameters.params.noise.low", "low (0.5) is above high (0.1)"),
        (SWEEP, 8, 42, "parameters.states.Russia.interests.energy.1", "1.7 is out of range"),
        (SWEEP, 9, 28, "parameters.events.1 (druzhba).at.1", "bad date '2015-13': month 13 is"),
        (SWEEP, 10, 29, "outcomes.1", "unknown outcome 'final_strenght'; did you mean"),
    ],
    "missing_scenario": [
        (SWEEP, 2, 11, "scenario", "no_such_scenario.yaml: cannot read file"),
    ],
    "design_needs": [
        (SWEEP, 2, 1, "design", "the morris design needs `samples`"),
        (SWEEP, 4, 3, "parameters.params.balance_weight", "needs a range {low, high}, not a list"),
        (SWEEP, 5, 34, "parameters.params.noise.high", "the morris design needs low < high"),
        (SWEEP, 6, 3, "parameters.calendar.step", "a range needs a numeric value"),
    ],
    "empty_parameters": [
        (SWEEP, 2, 1, "design", "the random design needs `samples`"),
        (SWEEP, 3, 1, "parameters", "needs at least one parameter"),
    ],
    "broken_base": [
        (SWEEP, 1, 11, "scenario", "broken_scenario.yaml has 2 problems (listed below)"),
        (SWEEP, 4, 3, "parameters.params.balanse_weight", "did you mean 'balance_weight'?"),
        ("base", 6, 43, "states.China.interests.energy", "1.5 is out of range"),
        ("base", 8, 10, "params.balance_wieght", "did you mean 'balance_weight'?"),
    ],
}


def test_every_broken_file_has_expectations():
    assert {p.stem for p in BROKEN.glob("*.yaml")} == set(EXPECTED)


@pytest.mark.parametrize("stem", sorted(EXPECTED))
def test_broken_sweep_reports_every_problem_where_it_is(stem: str):
    path = BROKEN / f"{stem}.yaml"
    with pytest.raises(SweepError) as info:
        load_sweep(path)
    problems = info.value.problems
    files = {SWEEP: str(path), "base": str(DATA / "broken_scenario.yaml")}
    got = [(p.file, p.line, p.col, p.path) for p in problems]
    want = [(files[f], line, col, where) for f, line, col, where, _ in EXPECTED[stem]]
    assert got == want
    for problem, (*_, message) in zip(problems, EXPECTED[stem], strict=True):
        assert message in problem.message
        prefix = f"{problem.file}:{problem.line}:{problem.col}: {problem.path}: "
        assert str(problem).startswith(prefix)
    assert str(info.value).splitlines() == [str(p) for p in problems]


def test_the_issue_example_loads_with_defaults_and_types():
    sweep = load_sweep(DATA / "good.yaml")
    assert sweep.path == DATA / "good.yaml"
    assert sweep.scenario_path == BASE
    assert sweep.scenario.name == "sweep-base"
    assert (sweep.steps, sweep.replications, sweep.seed) == (20, 3, 5)
    assert sweep.design == Design("grid", None, None)
    assert list(sweep.parameters) == [
        "params.balance_weight",
        "states.Russia.interests.opposition_to_us",
        "events.druzhba.at",
    ]
    assert sweep.parameters["params.balance_weight"] == ParameterSpec(
        "params.balance_weight", values=(0.2, 0.5, 0.8)
    )
    rng = sweep.parameters["states.Russia.interests.opposition_to_us"]
    assert rng.is_numeric_range() and (rng.low, rng.high, rng.num) == (0.3, 1.0, 4)
    at = sweep.parameters["events.druzhba.at"]
    assert at.values == ("2015-01", "2016-09", "2018-01") and not at.is_numeric_range()
    assert sweep.outcomes == ("triangle_formed", "final_strength")
    assert sweep.document["parameters"]["params.balance_weight"] == [0.2, 0.5, 0.8]


def test_defaults_when_omitted():
    sweep = load_sweep_text(
        "scenario: base.yaml\nparameters:\n  params.balance_weight: [0.5]\n", "s.yaml", DATA
    )
    assert (sweep.steps, sweep.replications, sweep.seed) == (24, 1, 0)  # steps: the scenario's
    assert sweep.design == Design("grid", None, None)
    assert sweep.outcomes == DEFAULT_OUTCOMES


def test_known_outcomes_are_all_accepted():
    names = ", ".join(KNOWN_OUTCOMES)
    text = f"scenario: base.yaml\nparameters:\n  params.noise: [0.1]\noutcomes: [{names}]\n"
    assert load_sweep_text(text, "s.yaml", DATA).outcomes == KNOWN_OUTCOMES
    assert len(KNOWN_OUTCOMES) == 9
    assert KNOWN_OUTCOMES[:5] == DEFAULT_OUTCOMES


def test_whole_number_targets_stay_ints_and_numbers_become_floats():
    text = (
        "scenario: base.yaml\n"
        "design: {method: lhs, samples: 4}\n"
        "parameters:\n"
        "  events.1.at: [10, 12.0]\n"
        "  params.balance_weight: [0, 1]\n"
        "  events.0.at: {low: 2, high: 9}\n"
    )
    sweep = load_sweep_text(text, "s.yaml", DATA)
    assert sweep.parameters["events.1.at"].values == (10, 12)
    assert all(type(v) is int for v in sweep.parameters["events.1.at"].values)
    assert sweep.parameters["events.1.at"].integer
    values = sweep.parameters["params.balance_weight"].values
    assert values == (0.0, 1.0) and all(type(v) is float for v in values)
    assert sweep.parameters["events.0.at"].integer


def problems_of(text: str) -> list[str]:
    with pytest.raises(SweepError) as info:
        load_sweep_text(text, "s.yaml", DATA)
    return [str(p) for p in info.value.problems]


def test_value_checks_use_the_scenario_rules():
    text = (
        "scenario: base.yaml\n"
        "parameters:\n"
        "  events.0.at: [4, 5.5, 0]\n"
        "  params.thresholds.partner: [0.3, 0.95]\n"
        "  states.China.power: {low: -1, high: 1, num: 3}\n"
    )
    assert problems_of(text) == [
        "s.yaml:3:20: parameters.events.0.at.1: "
        "expected a date like '2014-03' or a step number, got 5.5",
        "s.yaml:3:25: parameters.events.0.at.2: "
        "step 0 is before the first update; steps start at 1",
        "s.yaml:4:36: parameters.params.thresholds.partner.1: thresholds must rise "
        "hostile < rival < partner < alliance; here partner = 0.95 and alliance = 0.6",
        "s.yaml:5:29: parameters.states.China.power.low: -1.0 is out of range: "
        "needs 0 < x <= 1e+15",
    ]


def test_the_sweep_steps_are_what_event_steps_are_checked_against():
    text = "scenario: base.yaml\nsteps: 40\nparameters:\n  events.0.at: [30]\n"
    assert load_sweep_text(text, "s.yaml", DATA).steps == 40


def test_a_range_on_text_and_duplicate_paths_are_problems():
    text = (
        "scenario: base.yaml\n"
        "parameters:\n"
        "  calendar.step: {low: 1, high: 2, num: 2}\n"
        "  events.1.at: [3]\n"
        "  events.druzhba.at: [4]\n"
        "  seed: [1, 2]\n"
    )
    assert problems_of(text) == [
        "s.yaml:3:3: parameters.calendar.step: a range needs a numeric value; "
        "calendar.step is text",
        # an event is named by index and id, whichever the key gives
        "s.yaml:5:3: parameters.events.1 (druzhba).at: the same scenario value as "
        "parameters.events.1.at (line 4)",
        "s.yaml:6:3: parameters.seed: run seeds come from the sweep's `seed:`; vary something else",
    ]


def test_shapes_and_types_of_the_sweep_keys():
    text = (
        "scenario: base.yaml\n"
        "steps: many\n"
        "seed: -1\n"
        "design: {method: grid, samples: 3, levels: 2}\n"
        "parameters:\n"
        "  params.balance_weight: 0.5\n"
        "  params.noise: [null]\n"
        "  params.learning_rate: {low: 0.1, hi: 0.3, num: 2}\n"
        "  params.rule: []\n"
        "outcomes: [blocs, blocs, 3]\n"
    )
    got = [line.split(": ", 2)[:2] for line in problems_of(text)]
    assert got == [
        ["s.yaml:2:8", "steps"],
        ["s.yaml:3:7", "seed"],
        ["s.yaml:4:24", "design.samples"],
        ["s.yaml:4:36", "design.levels"],
        ["s.yaml:6:26", "parameters.params.balance_weight"],
        ["s.yaml:7:18", "parameters.params.noise.0"],
        ["s.yaml:8:3", "parameters.params.learning_rate"],
        ["s.yaml:8:36", "parameters.params.learning_rate.hi"],
        ["s.yaml:9:16", "parameters.params.rule"],
        ["s.yaml:10:19", "outcomes.1"],
        ["s.yaml:10:26", "outcomes.2"],
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "(top): the file is empty"),
        ("- a\n", "a sweep file must be a mapping"),
        ("scenario: base.yaml\nparameters: {a: [1]\n", "YAML syntax"),
        ("parameters: {params.noise: [0.1]}\n", "missing required key 'scenario'"),
        ("scenario: base.yaml\n", "missing required key 'parameters'"),
        ("scenario: base.yaml\nparameters:\n", "needs at least one parameter"),
        ("scenario: 3\nparameters: {params.noise: [0.1]}\n", "expected a scenario file name"),
        (
            "scenario: base.yaml\noutcomes: []\nparameters: {params.noise: [0.1]}\n",
            "needs at least one outcome",
        ),
    ],
)
def test_odd_files_are_problems_not_tracebacks(text: str, message: str):
    assert any(message in line for line in problems_of(text))


def test_python_tags_are_never_run(tmp_path: Path):
    payload = tmp_path / "pwned"
    text = f"scenario: !!python/object/apply:os.system ['touch {payload}']\nparameters: {{}}\n"
    lines = problems_of(text)
    assert "YAML tag '!!python/object/apply:os.system' is not allowed" in lines[0]
    assert not payload.exists()


def test_unreadable_sweep_file(tmp_path: Path):
    with pytest.raises(SweepError) as info:
        load_sweep(tmp_path / "nothing.yaml")
    assert "cannot read file" in str(info.value)


@pytest.mark.parametrize(
    ("value", "integer", "text"),
    [
        (0.5, False, "0.5"),
        (0.1 + 0.2, False, "0.30000000000000004"),
        (1e-05, False, "1e-05"),
        (2.0, False, "2.0"),
        (12.0, True, "12"),
        (7, True, "7"),
        ("2016-09", False, "2016-09"),
        ("2016-09-24", False, '"2016-09-24"'),
        ("yes", False, '"yes"'),
        ("0.5", False, '"0.5"'),
        ("United States", False, "United States"),
        (True, False, "true"),
    ],
)
def test_values_read_back_the_same_through_set(value, integer: bool, text: str):
    assert format_value(value, integer) == text
    scenario_text, _ = read_file(BASE)
    assert scenario_text is not None
    if isinstance(value, float):
        scenario = load_scenario_text(scenario_text, overrides=[f"params.noise={text}"])
        assert scenario.params.noise == value
    if isinstance(value, str) and "-" in value:
        scenario = load_scenario_text(scenario_text, overrides=[f"events.1.at={text}"])
        assert scenario.events[1].at == value


def test_integers_too_large_for_a_float_are_problems_not_tracebacks():
    huge = "1" + "0" * 400  # YAML reads it as an int that no float can hold
    text = (
        "scenario: base.yaml\n"
        "parameters:\n"
        f"  params.noise: [0.1, {huge}]\n"
        f"  params.balance_weight: {{low: 0, high: {huge}, num: 3}}\n"
        f"  steps: [10, {huge}]\n"
    )
    found = problems_of(text)
    assert [line.split(": ")[1] for line in found] == [
        "parameters.params.noise.1",
        "parameters.params.balance_weight.high",
        "parameters.steps.1",
    ]
    assert all(line.startswith("s.yaml:") and "internal error" not in line for line in found)
