"""Problem records and the exception that carries them."""

from __future__ import annotations

from alignsim.scenario import Problem, ScenarioError
from alignsim.scenario.problems import format_path


def test_problem_prints_like_a_compiler_error():
    problem = Problem("x.yaml", 12, 5, "events.2.shift.Rusia", "unknown state 'Rusia'")
    assert str(problem) == "x.yaml:12:5: events.2.shift.Rusia: unknown state 'Rusia'"


def test_format_path_names_the_root_top():
    assert format_path(()) == "(top)"
    assert format_path(("events", 2, "at")) == "events.2.at"


def test_scenario_error_sorts_by_line_and_prints_one_problem_per_line():
    late = Problem("a.yaml", 9, 1, "steps", "late")
    early = Problem("a.yaml", 2, 3, "name", "early")
    error = ScenarioError([late, early, late])
    assert error.problems == [early, late]
    assert str(error) == f"{early}\n{late}"
