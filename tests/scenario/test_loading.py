"""Loading good scenarios: fields, defaults, resolved YAML, hashing, JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from alignsim.scenario import (
    Event,
    Scenario,
    ScenarioError,
    TieChange,
    load_scenario,
    load_scenario_text,
    scenario_json_schema,
)
from alignsim.scenario.cli_support import validate_files
from alignsim.scenario.schema import MAX_WEIGHT


def test_good_scenario_loads_with_every_section(good_path: Path):
    s = load_scenario(good_path)
    assert s.name == "small-axis"
    assert s.state_names == ["China", "Russia", "Pakistan", "India"]
    assert s.dimension_names == ["energy", "defense", "counter_terrorism"]
    assert s.calendar is not None and (s.calendar.start, s.calendar.step) == ("2014-01", "quarter")
    assert s.steps == 24 and s.seed == 7
    assert s.relations[0].between == ("China", "Pakistan") and s.relations[0].value == 0.9
    assert s.ties is not None and s.ties[0].value == 0.5
    assert s.corridors["TAPI"].status == "planned" and s.corridors["TAPI"].dimensions == ["energy"]
    assert s.corridors["CPEC"].dimensions is None
    assert s.params.balance_weight == 0.6 and s.params.thresholds.partner == 0.25
    assert s.params.thresholds.alliance == 0.6  # default kept beside the given one
    assert s.watch.triangles == [("China", "Russia", "Pakistan")]


def test_salience_defaults_to_one_for_unlisted_dimensions(good_path: Path):
    s = load_scenario(good_path)
    assert s.states["China"].salience == {"energy": 0.9, "defense": 1.0, "counter_terrorism": 1.0}
    assert s.states["Russia"].salience == dict.fromkeys(s.dimension_names, 1.0)


def test_every_event_action_is_parsed(good_path: Path):
    events = load_scenario(good_path).events
    assert events[0].shift == {"Russia": {"counter_terrorism": 0.1}}
    assert events[1].id == "druzhba"
    assert events[1].tie == [TieChange(between=("Russia", "Pakistan"), shift=0.2)]
    assert events[2].set == {"India": {"defense": 0.9}}
    assert events[2].salience is not None and events[2].salience.shift == {
        "India": {"energy": -0.1}
    }
    assert events[3].power is not None and events[3].power.set == {"China": 0.2}
    assert events[4].relation is not None and [r.set for r in events[4].relation] == [-0.3, None]
    assert events[5].param is not None and events[5].param.set == {"noise": 0.1}
    assert events[6].corridor == {"TAPI": "blocked"}
    assert (events[7].from_, events[7].to, events[7].probability) == ("2015-01", "2018-12", 0.05)
    assert events[8].note == "a note-only event"


def test_event_windows_in_steps(good_path: Path):
    s = load_scenario(good_path)
    # 2014-03 is 2 months after 2014-01: first quarterly update; 2016-09 -> ceil(32/3) = 11.
    assert s.event_window(0) == (1, 1)
    assert s.event_window(s.events[1]) == (11, 11)
    assert s.event_window(3) == (12, 12)  # a plain step number
    assert s.event_window(7) == (4, 20)  # 2015-01 .. 2018-12


def test_to_yaml_round_trips_to_an_equal_scenario(good_path: Path):
    s = load_scenario(good_path)
    text = s.to_yaml()
    again = load_scenario_text(text)
    assert again == s
    assert again.to_yaml() == text
    assert "!!" not in text  # plain YAML only
    resolved = yaml.safe_load(text)
    assert resolved["params"]["noise"] == 0.05  # defaults are filled in
    assert resolved["events"][7]["from"] == "2015-01"  # by alias


def test_content_hash_identifies_the_resolved_scenario(good_path: Path, good_text: str):
    s = load_scenario(good_path)
    assert len(s.content_hash()) == 64
    assert s.content_hash() == load_scenario_text(good_text).content_hash()
    changed = load_scenario(good_path, overrides=["params.noise=0.06"])
    assert changed.content_hash() != s.content_hash()
    # Writing a default explicitly does not change what is run.
    explicit = load_scenario(good_path, overrides=["params.noise=0.05"])
    assert explicit.content_hash() == s.content_hash()


def test_minimal_scenario_gets_documented_defaults(minimal_text: str):
    s = load_scenario_text(minimal_text)
    assert (s.steps, s.seed, s.calendar, s.ties, s.events) == (48, 0, None, None, [])
    assert s.params.learning_rate == 0.2 and s.params.rule == "relax"
    assert s.date_of(5) == "step 5"
    assert s.step_of(5) == 5
    with pytest.raises(ValueError, match="no calendar"):
        s.step_of("2014-03")


def test_anchors_merge_keys_and_text_keys(minimal_text: str):
    anchors = minimal_text.replace(
        "states:\n", "states:\n  NO: &d {power: 0.3, interests: {energy: 0.5}}\n  Peru: *d\n"
    )
    s = load_scenario_text(anchors)
    assert s.state_names[:2] == ["NO", "Peru"]  # `NO` is a name here, not false
    assert s.states["Peru"].power == 0.3
    merged = anchors.replace("Peru: *d", "Peru: {<<: *d, power: 0.4}")
    s = load_scenario_text(merged)
    assert s.states["Peru"].power == 0.4 and s.states["Peru"].interests == {"energy": 0.5}


def test_dates_may_be_written_as_yaml_dates(minimal_text: str):
    text = minimal_text + "calendar: {start: 2014-01-15, step: month}\n"
    text += "events:\n  - {at: 2014-03-10, note: x}\n"
    s = load_scenario_text(text)
    assert s.calendar is not None and s.calendar.start == "2014-01"
    assert s.events[0].at == "2014-03-10"
    assert s.event_window(0) == (2, 2)
    assert load_scenario_text(s.to_yaml()) == s


def test_python_construction_runs_the_same_cross_checks():
    data = {
        "name": "x",
        "dimensions": {"e": {"kind": "shared"}},
        "states": {"A": {"power": 1.0, "interests": {"e": 0.1}}},
        "events": [{"at": 1, "shift": {"B": {"e": 0.5}}}],
    }
    with pytest.raises(ValidationError, match="unknown state 'B'"):
        Scenario.model_validate(data)
    data["events"] = [{"at": 1, "shift": {"A": {"e": 0.5}}}]
    s = Scenario.model_validate(data)
    assert isinstance(s.events[0], Event)
    assert s.states["A"].salience == {"e": 1.0}


def test_unreadable_files_are_problems_not_tracebacks(tmp_path: Path, good_path: Path):
    missing = tmp_path / "missing.yaml"
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"name: \xff\xfe\n")
    code, lines = validate_files([good_path, missing, binary, tmp_path])
    assert code == 2
    assert lines[0] == f"{good_path}: ok"
    assert lines[1] == f"{missing}:1:1: (top): cannot read file: No such file or directory"
    assert lines[2].startswith(f"{binary}:1:1: (top): not UTF-8 text")
    assert lines[3].startswith(f"{tmp_path}:1:1: (top): cannot read file:")
    with pytest.raises(ScenarioError) as info:
        load_scenario(missing)
    assert info.value.problems[0].file == str(missing)


def test_validate_files_ok_and_problem_lines(good_path: Path):
    assert validate_files([good_path]) == (0, [f"{good_path}: ok"])
    bad = Path(__file__).parent / "broken" / "combined.yaml"
    code, lines = validate_files([bad, good_path])
    assert code == 2
    assert len(lines) == 4 and lines[-1] == f"{good_path}: ok"
    assert all(line.startswith(f"{bad}:") for line in lines[:3])


def test_validate_files_applies_overrides(good_path: Path):
    code, lines = validate_files([good_path], overrides=["params.noise=-1"])
    assert code == 2
    assert lines == [
        "<--set params.noise=-1>:1:1: params.noise: -1 is out of range: needs 0 <= x <= 1000"
    ]


def test_json_schema_describes_the_file_format():
    schema = scenario_json_schema()
    json.dumps(schema)  # serialisable
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert schema["else"] == {"$ref": "#/$defs/Scenario"}  # a file without `extends`
    assert set(schema["$defs"]["Scenario"]["required"]) == {"name", "dimensions", "states"}
    assert schema["additionalProperties"] is False
    event = schema["$defs"]["Event"]["properties"]
    assert "from" in event and "from_" not in event  # by alias
    assert {"$ref": "#/$defs/TieChange"} in event["tie"]["anyOf"]  # one change or a list
    assert schema["$defs"]["Params"]["properties"]["learning_rate"]["exclusiveMinimum"] == 0
    kinds = schema["$defs"]["Dimension"]["properties"]["kind"]["enum"]
    assert kinds == ["shared", "complementary"]
    assert schema["$defs"]["StateSpec"]["properties"]["power"]["description"]


stance = st.floats(min_value=-1, max_value=1, allow_nan=False)


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(st.tuples(stance, stance), min_size=1, max_size=5),
    weight=st.floats(min_value=0, max_value=MAX_WEIGHT, allow_nan=False),
    noise=st.floats(min_value=0, max_value=10, allow_nan=False),
)
def test_round_trip_holds_for_arbitrary_numbers(values, weight, noise):
    doc = {
        "name": "generated",
        "dimensions": {"energy": {"kind": "complementary"}, "ct": {"kind": "shared"}},
        "states": {
            f"S{i}": {"power": 0.1 + i, "interests": {"energy": a, "ct": b}}
            for i, (a, b) in enumerate(values)
        },
        "params": {"balance_weight": weight, "noise": noise},
    }
    s = load_scenario_text(yaml.safe_dump(doc))
    assert load_scenario_text(s.to_yaml()) == s


def test_exponent_numbers_without_a_dot_are_numbers(minimal_text: str):
    s = load_scenario_text(minimal_text + "params: {noise: 1e-3, balance_weight: 2E+0}\n")
    assert (s.params.noise, s.params.balance_weight) == (0.001, 2.0)
    with pytest.raises(ScenarioError, match="expected a number, got '1e-3'"):
        load_scenario_text(minimal_text + "params: {noise: '1e-3'}\n")  # quoted: text


WATCHED_TWICE = """\
name: hyphens
dimensions:
  energy: {kind: complementary}
states:
  A-B: {power: 0.2, interests: {energy: 0.9}}
  C: {power: 0.1, interests: {energy: -0.9}}
  A: {power: 0.1, interests: {energy: 0.5}}
  B-C: {power: 0.1, interests: {energy: -0.5}}
watch:
  pairs: [[A-B, C], [A, B-C], [C, A-B]]
  triangles: [[A, C, B-C], [B-C, A, C]]
"""


def test_watched_groups_need_labels_of_their_own():
    """Outcome columns are named by the states joined with '-': two groups that read the
    same would overwrite each other, and a group watched twice would be reported twice."""
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(WATCHED_TWICE, filename="w.yaml")
    found = [(p.line, p.path, p.message) for p in info.value.problems]
    assert found == [
        (10, "watch.pairs.1", "its outcomes would be named 'A-B-C', as those of watch.pairs.0 "
         "are (states are joined with '-'); watch one of them, or rename a state without '-'"),
        (10, "watch.pairs.2", "watch.pairs.0 watches these states already"),
        (11, "watch.triangles.1", "watch.triangles.0 watches these states already"),
    ]  # fmt: skip
    fixed = WATCHED_TWICE.replace(", [A, B-C], [C, A-B]]", "]").replace(", [B-C, A, C]]", "]")
    scenario = load_scenario_text(fixed, filename="w.yaml")
    assert scenario.watch.pairs == [("A-B", "C")]


def test_an_integer_too_large_for_a_float_is_out_of_range(minimal_text):
    text = minimal_text + "steps: 1" + "0" * 400 + "\n"
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(text, filename="big.yaml")
    (problem,) = info.value.problems
    assert (problem.line, problem.path) == (7, "steps")
    assert "is out of range: needs 0 <= x <= 100000" in problem.message
