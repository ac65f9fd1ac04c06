"""Broken scenario files: every problem reported, each at the right line, column and path."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from alignsim.scenario import ScenarioError, load_scenario, load_scenario_text
from alignsim.scenario.cli_support import validate_files

from .conftest import BROKEN

# An event with an id is named by index and id in paths.
CP = "events.0 (corridor_and_params)"

# file stem -> [(line, col, path, part of the message)], in reporting order (by line).
EXPECTED: dict[str, list[tuple[int, int, str, str]]] = {
    "combined": [
        (3, 1, "stats", "unknown key 'stats'; did you mean 'states'?"),
        (7, 45, "states.Russia.interests.energy", "-1.5 is out of range: needs -1 <= x <= 1"),
        (11, 13, "events.0.shift.Rusia", "unknown state 'Rusia'; did you mean 'Russia'?"),
    ],
    "python_tag": [
        (3, 14, "description", "YAML tag '!!python/object/apply:os.system' is not allowed"),
        (8, 7, "seed", "YAML tag '!!python/name:os.system' is not allowed"),
    ],
    "missing_dimension": [
        (11, 5, "states.Russia.interests", "missing dimension 'defense'"),
    ],
    "unknown_dimension": [
        (9, 16, "states.China.salience.counter_terorism", "did you mean 'counter_terrorism'?"),
        (12, 55, "states.Russia.interests.enrgy", "unknown dimension 'enrgy'; did you mean"),
    ],
    "duplicate_key": [
        (7, 3, "states.China", "duplicate key 'China'"),
        (10, 3, "params.noise", "duplicate key 'noise'"),
    ],
    "nonfinite": [
        (5, 18, "states.China.power", "not a finite number: .nan"),
        (10, 12, "corridors.Power of Siberia.boost", "not a finite number: .inf"),
    ],
    "bad_dates": [
        (10, 10, "events.0.at", "bad date '2014-13': month 13 is not 1-12"),
        (11, 10, "events.1.at", "2012-06 is before the calendar start 2014-01"),
        (12, 20, "events.2 (year).at", "after the last step (40); did you mean the date '2016-01'"),
        (13, 10, "events.3.at", "step 0 is before the first update"),
        (14, 10, "events.4.at", "bad date '2015-02-30': day is out of range for month"),
        (15, 10, "events.5.at", "expected a date like '2014-03' or a step number, got 3.5"),
    ],
    "no_calendar": [
        (10, 9, "events.1.at", "'2016-09' is a date but there is no calendar"),
    ],
    "event_timing": [
        (9, 5, "events.0", "an event needs `at`, or `from` and `to`"),
        (10, 13, "events.1.from", "give either `at` or `from`/`to`, not both"),
        (10, 22, "events.1.to", "give either `at` or `from`/`to`, not both"),
        (11, 6, "events.2.from", "a window needs both `from` and `to`; `to` is missing"),
        (12, 25, "events.3.to", "the window ends (step 12) before it starts (step 24)"),
        (13, 5, "events.4", "an event needs an action"),
        (14, 10, "events.5 (7).id", "an id made only of digits reads as an index"),
        (16, 10, "events.7 (x).id", "duplicate id 'x' (events.6)"),
    ],
    "event_refs": [
        (12, 16, f"{CP}.corridor.CPCE", "unknown corridor 'CPCE'; did you mean 'CPEC'?"),
        (13, 34, f"{CP}.param.set.learning_rate", "2 is out of range for learning_rate"),
        (13, 37, f"{CP}.param.set.rule", "'rule' cannot be changed by an event"),
        (13, 63, f"{CP}.param.shift.noize", "unknown parameter 'noize'; did you mean 'noise'?"),
        (15, 5, "events.1.tie", "give exactly one of `shift` or `set`"),
        (15, 28, "events.1.tie.between.1", "unknown state 'Rusia'; did you mean 'Russia'?"),
        (16, 30, "events.1.salience.set.China.enrgy", "did you mean 'energy'?"),
        (17, 21, "events.1.power.shift.Chnia", "unknown state 'Chnia'; did you mean 'China'?"),
        (21, 41, "events.2 (exercise).relation.0.set", "1.5 is out of range: needs -1 <= x <= 1"),
        (22, 9, "events.2 (exercise).relation.1", "give exactly one of `shift` or `set`"),
        (23, 22, "events.2 (exercise).corridor.CPEC", "'closed' is not allowed; expected"),
    ],
    "thresholds": [
        (8, 20, "params.break_threshold", "break_threshold (0.3) must be below form_threshold"),
        (10, 15, "params.thresholds.alliance", "here partner = 0.7 and alliance = 0.6"),
        (13, 14, "params.thresholds.hostile", "-1.2 is out of range: needs -1 <= x <= 1"),
    ],
    "unknown_refs": [
        (11, 15, "relations.1.between", "is already given at relations.0"),
        (12, 23, "relations.2.between.1", "unknown state 'Chna'; did you mean 'China'?"),
        (14, 24, "ties.0.between.1", "'Russia' appears twice; a pair needs different states"),
        (17, 20, "corridors.CPEC.route.1", "unknown state 'Pakistn'; did you mean 'Pakistan'?"),
        (18, 18, "corridors.CPEC.dimensions.0", "'counter_terrorism' is a shared dimension"),
        (20, 20, "watch.pairs.0.1", "unknown state 'Indai'; expected one of: China, Russia"),
        (21, 50, "watch.triangles.1.1", "'China' appears twice; a triangle needs different"),
    ],
    "wrong_types": [
        (1, 1, "(top)", "missing required key 'name'"),
        (2, 8, "steps", "expected a whole number, got 'many'"),
        (4, 18, "dimensions.energy.kind", "'shred' is not allowed; expected 'shared' or"),
        (6, 18, "states.China.power", "expected a number, got true"),
        (6, 43, "states.China.interests.energy", "expected a number, got '0.9'"),
        (7, 19, "states.Russia.power", "-1 is out of range: needs 0 < x"),
        (8, 1, "relations", "expected a list, got a mapping"),
        (10, 18, "params.learning_rate", "0 is out of range: needs 0 < x <= 1"),
        (11, 3, "params.balance_wieght", "did you mean 'balance_weight'?"),
        (12, 9, "params.rule", "'relaxed' is not allowed; expected 'relax' or 'threshold'"),
    ],
    "syntax_error": [
        (6, 3, "(top)", "YAML syntax: expected ',' or '}'"),
    ],
    "not_mapping": [
        (1, 1, "(top)", "a scenario must be a mapping"),
    ],
    "empty": [
        (1, 1, "(top)", "the file is empty"),
    ],
}


def test_every_broken_file_has_expectations():
    assert {p.stem for p in BROKEN.glob("*.yaml")} == set(EXPECTED)


@pytest.mark.parametrize("stem", sorted(EXPECTED))
def test_broken_file_reports_every_problem_where_it_is(stem: str):
    path = BROKEN / f"{stem}.yaml"
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    problems = info.value.problems
    got = [(p.line, p.col, p.path) for p in problems]
    assert got == [(line, col, where) for line, col, where, _ in EXPECTED[stem]]
    for problem, (*_, message) in zip(problems, EXPECTED[stem], strict=True):
        assert message in problem.message
        assert problem.file == str(path)
        assert str(problem).startswith(f"{path}:{problem.line}:{problem.col}: {problem.path}: ")


def test_combined_file_reports_all_three_unrelated_mistakes():
    code, lines = validate_files([BROKEN / "combined.yaml"])
    assert code == 2
    assert [line.split(": ", 2)[1] for line in lines] == [
        "stats",
        "states.Russia.interests.energy",
        "events.0.shift.Rusia",
    ]


def test_python_tag_is_never_executed():
    payload = Path("/tmp/alignsim-scenario-pwned")  # what the tag in the file would create
    payload.unlink(missing_ok=True)
    code, lines = validate_files([BROKEN / "python_tag.yaml"])
    assert code == 2 and len(lines) == 2
    assert not payload.exists()
    text = "name: x\nseed: !!python/object/apply:os.system ['touch /tmp/alignsim-scenario-pwned']\n"
    with pytest.raises(ScenarioError):
        load_scenario_text(text)
    assert not payload.exists()


def test_local_tags_are_refused_too(minimal_text: str):
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(minimal_text + "description: !secret vault\n")
    assert [(p.line, p.path) for p in info.value.problems] == [(7, "description")]
    assert "YAML tag '!secret' is not allowed" in info.value.problems[0].message


def test_recursive_alias_is_a_problem(minimal_text: str):
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(minimal_text + "watch: &w {pairs: [*w]}\n")
    assert [(p.line, p.path) for p in info.value.problems] == [(7, "watch.pairs.0")]
    assert "refers to itself" in info.value.problems[0].message


def test_alias_bomb_is_stopped_quickly():
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        levels.append(f"a{i}: &a{i} [{refs}]")
    started = time.process_time()  # CPU time, which a loaded machine does not stretch
    with pytest.raises(ScenarioError, match="document too large"):
        load_scenario_text("\n".join(levels) + "\n")
    # stopped at 500,000 values it takes seconds; expanding its 10**9 values, hours
    assert time.process_time() - started < 60


def test_duplicate_state_keeps_reporting_other_problems(minimal_text: str):
    text = minimal_text + "  China: {power: 2, interests: {energy: 0.1}}\nsteps: -1\n"
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(text, "dup.yaml")
    assert [str(p) for p in info.value.problems] == [
        "dup.yaml:7:3: states.China: duplicate key 'China'",
        "dup.yaml:8:8: steps: -1 is out of range: needs 0 <= x <= 100000",
    ]


def test_validate_never_raises_on_odd_input(tmp_path: Path):
    odd = {
        "scalar.yaml": "just text\n",
        "null_sections.yaml": "name: x\ndimensions:\nstates:\nevents:\nwatch:\nparams:\n",
        "tabs.yaml": "name: x\n\tstates: 1\n",
        "two_docs.yaml": "name: a\n---\nname: b\n",
        "deep.yaml": "a: " + "[" * 5000 + "]" * 5000 + "\n",
        "bom.yaml": "\ufeffname: x\n",
    }
    for name, text in odd.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    code, lines = validate_files(sorted(tmp_path.iterdir()))
    assert code == 2
    assert lines and all(":" in line for line in lines)
    assert not any("internal error" in line for line in lines)
    assert os.path.basename(lines[0].split(":")[0]) == "bom.yaml"


def test_reading_problems_name_the_event_too(minimal_text: str):
    text = minimal_text + "events:\n  - {id: talks, at: 3, at: 4, note: x, tie: !secret y}\n"
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(text, "dup.yaml")
    assert [str(p) for p in info.value.problems] == [
        "dup.yaml:8:24: events.0 (talks).at: duplicate key 'at'",
        "dup.yaml:8:45: events.0 (talks).tie: YAML tag '!secret' is not allowed (plain YAML only; "
        "not run)",
    ]
