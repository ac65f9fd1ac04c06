"""``states.X.active``: periods in the world, read as steps and checked at their line."""

from __future__ import annotations

import pytest

from alignsim.scenario import Scenario, ScenarioError, load_scenario_text
from alignsim.scenario.schema import period_step

HEAD = """\
name: periods
calendar: {start: 1946, step: year}
steps: 20
dimensions:
  camp: {kind: shared}
states:
  A: {power: 1.0, interests: {camp: 0.5}}
"""


def load(states: str, rest: str = "") -> Scenario:
    return load_scenario_text(HEAD + states + rest, filename="s.yaml")


def problems(states: str, rest: str = "") -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        load(states, rest)
    return [str(p) for p in caught.value.problems]


def test_one_period_or_a_list_read_as_steps():
    scenario = load(
        "  B: {power: 1.0, interests: {camp: 0.1}, active: {from: '1950'}}\n"
        "  C: {power: 1.0, interests: {camp: 0.1}, active: [{until: '1949'}, {from: 12}]}\n"
        "  D: {power: 1.0, interests: {camp: 0.1}, active: {}}\n"
    )
    assert scenario.active_steps() == {
        "B": [(4, None)],
        "C": [(0, 3), (12, None)],
        "D": [(0, None)],
    }


def test_a_period_holds_the_steps_dated_within_it():
    # quarterly steps from 2000-01: step 1 is 2000-Q2 (dated 2000-04)
    assert period_step("2000-01", "quarter", "2000-01", up=True) == 0
    assert period_step("2000-01", "quarter", "2000-02", up=True) == 1
    assert period_step("2000-01", "quarter", "2000-04", up=True) == 1
    assert period_step("2000-01", "quarter", "2000-03", up=False) == 0
    assert period_step("2000-01", "quarter", "2000-04", up=False) == 1
    assert period_step("2000-01", "year", "2003-06", up=False) == 3


def test_the_resolved_scenario_keeps_the_periods_and_loads_back():
    scenario = load("  B: {power: 1.0, interests: {camp: 0.1}, active: {from: '1950'}}\n")
    again = load_scenario_text(scenario.to_yaml(), filename="again.yaml")
    assert again.active_steps() == scenario.active_steps()
    assert again.content_hash() == scenario.content_hash()


def test_without_active_the_resolved_scenario_is_as_before():
    scenario = load("")
    assert "active" not in scenario.to_yaml()
    assert scenario.active_steps() == {}


PREFIX = "  B: {power: 1.0, interests: {camp: 0.1}, "


@pytest.mark.parametrize(
    ("line", "at", "message"),
    [
        ("active: {from: '1950', until: '1948'}", "'1948'",
         "states.B.active.until: the period ends at 1948 (step 2), before it starts at 1950 "
         "(step 4)"),
        ("active: [{from: 2, until: 9}, {from: 9}]", "9}]",
         "states.B.active.1.from: starts at 1955 (step 9), before active.0 ends at 1955 "
         "(step 9); periods must come in order and not overlap"),
        ("active: [{until: 3}, {}]", "{}",
         "states.B.active.1: starts at 1946 (step 0), before active.0 ends at 1949 (step 3); "
         "periods must come in order and not overlap"),
        ("active: {from: '1940'}", "'1940'",
         "states.B.active.from: 1940 is before the calendar start 1946-01; leave `from` out "
         "for a state there from the start"),
        ("active: {until: '1950-13'}", "'1950-13'",
         "states.B.active.until: bad date '1950-13': month 13 is not 1-12"),
        ("active: {from: -1}", "-1", "states.B.active.from: step -1 is before step 0, the start"),
        ("active: {from: 1950}", "1950",
         "states.B.active.from: step 1950 is after the last step (20); did you mean the date "
         "'1950-01'?"),
        ("active: {form: 3}", "form", "states.B.active.form: unknown key 'form'; did you mean "
         "'from'?"),
        ("active: []", "active", "states.B.active: needs at least 1 entries, has 0"),
    ],
)  # fmt: skip
def test_mistakes_are_reported_at_their_line(line, at, message):
    column = len(PREFIX) + line.index(at) + 1
    assert problems(f"{PREFIX}{line}}}\n") == [f"s.yaml:8:{column}: {message}"]


def test_a_date_needs_a_calendar():
    text = HEAD.replace("calendar: {start: 1946, step: year}\n", "")
    text += "  B: {power: 1.0, interests: {camp: 0.1}, active: {from: '1950'}}\n"
    with pytest.raises(ScenarioError) as caught:
        load_scenario_text(text, filename="s.yaml")
    assert "'1950' is a date but there is no calendar" in str(caught.value)


TIE_EVENTS = """\
events:
  - at: '1952'
    tie: {between: [A, B], set: 0.5}
  - {from: 1, to: 3, probability: 0.5, tie: [{between: [A, C], set: 0.1}, {between: [B, A], shift: 0.1}]}
  - at: 2
    relation: {between: [A, B], set: 0.5}
    shift: {B: {camp: 0.1}}
    power: {set: {B: 2.0}}
"""  # noqa: E501


def test_a_tie_event_with_a_state_outside_the_world_is_an_error():
    found = problems("  B: {power: 1.0, interests: {camp: 0.1}, active: {until: '1950'}}\n"
                     "  C: {power: 1.0, interests: {camp: 0.1}}\n", TIE_EVENTS)  # fmt: skip
    assert found == [
        "s.yaml:12:24: events.0.tie.between.1: 'B' is not in the world at 1952 (step 6) "
        "(states.B.active), so it holds no ties then; change its relation instead, or its "
        "active periods",
    ]


def test_a_window_counts_every_step_it_may_fire_at():
    found = problems("  B: {power: 1.0, interests: {camp: 0.1}, active: {from: 3}}\n"
                     "  C: {power: 1.0, interests: {camp: 0.1}}\n", TIE_EVENTS)  # fmt: skip
    assert [p.split(": ")[1] for p in found] == ["events.1.tie.1.between.0"]
    assert "at 1947 (step 1)" in found[0]


def test_stances_power_and_history_of_an_absent_state_may_change():
    events = TIE_EVENTS.replace("'1952'", "5").replace("from: 1, to: 3", "from: 5, to: 7")
    scenario = load("  B: {power: 1.0, interests: {camp: 0.1}, active: {from: 5}}\n"
                    "  C: {power: 1.0, interests: {camp: 0.1}}\n", events)  # fmt: skip
    assert scenario.events[2].relation[0].between == ("A", "B")


def test_the_json_schema_takes_one_period_or_a_list():
    schema = Scenario.model_json_schema()
    active = schema["$defs"]["StateSpec"]["properties"]["active"]
    options = active["anyOf"][0]["anyOf"]
    assert {"$ref": "#/$defs/ActivePeriod"} in options
    assert {"type": "array", "items": {"$ref": "#/$defs/ActivePeriod"}} in options
    assert set(schema["$defs"]["ActivePeriod"]["properties"]) == {"from", "until"}
