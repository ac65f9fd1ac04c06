"""Problem records and the exception that carries them."""

from __future__ import annotations

from alignsim.scenario import Problem, ScenarioError
from alignsim.scenario.problems import format_path, name_events


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


EVENTS_DOC = {"events": [{"at": 3}, {"id": "missiles", "at": 5}, "not an event"]}


def test_an_event_is_named_by_index_and_id_given_its_document():
    assert format_path(("events", 1, "at"), EVENTS_DOC) == "events.1 (missiles).at"
    assert format_path(("events", 1), EVENTS_DOC) == "events.1 (missiles)"
    # no id, not a mapping, no such event, or not under events: the path as it is
    assert format_path(("events", 0, "at"), EVENTS_DOC) == "events.0.at"
    assert format_path(("events", 2), EVENTS_DOC) == "events.2"
    assert format_path(("events", 7, "at"), EVENTS_DOC) == "events.7.at"
    assert format_path(("states", "missiles"), EVENTS_DOC) == "states.missiles"
    assert format_path(("events",), EVENTS_DOC) == "events"
    assert format_path((), EVENTS_DOC) == "(top)"
    assert format_path(("events", 1, "at"), {"events": "broken"}) == "events.1.at"


def test_a_typed_path_names_its_event_whether_given_by_index_or_id():
    assert name_events("events.missiles.at", EVENTS_DOC) == "events.1 (missiles).at"
    assert name_events("events.1.at", EVENTS_DOC) == "events.1 (missiles).at"
    assert name_events("events.misiles.at", EVENTS_DOC) == "events.misiles.at"
    # named once: a named path is left alone
    named = name_events("events.1.at", EVENTS_DOC)
    assert name_events(named, EVENTS_DOC) == named
