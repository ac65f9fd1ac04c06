"""``--set PATH=VALUE`` overrides."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from alignsim.scenario import ScenarioError, apply_overrides, load_scenario
from alignsim.scenario.schema import MAX_WEIGHT

from .conftest import DATA


def problems_of(path: Path, *overrides: str) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides)
    return [str(p) for p in info.value.problems]


def test_params_and_nested_params(good_path: Path):
    s = load_scenario(good_path, ["params.balance_weight=0.8", "params.thresholds.partner=0.3"])
    assert s.params.balance_weight == 0.8
    assert s.params.thresholds.partner == 0.3


def test_state_interest_and_power(good_path: Path):
    s = load_scenario(good_path, ["states.Russia.interests.energy=-0.5", "states.Russia.power=0.1"])
    assert s.states["Russia"].interests["energy"] == -0.5
    assert s.states["Russia"].power == 0.1


def test_event_by_index_and_by_id(good_path: Path):
    s = load_scenario(good_path, ["events.1.at=2018-01", "events.tapi-stalls.at=30"])
    assert s.events[1].at == "2018-01"  # parsed as YAML: text, a date
    assert s.events[6].at == 30  # a step number
    assert s.event_window(1) == (16, 16)  # 48 months / 3
    s = load_scenario(good_path, ["events.druzhba.tie.shift=0.5"])  # a single tie mapping
    assert s.events[1].tie is not None and s.events[1].tie[0].shift == 0.5
    s = load_scenario(good_path, ["events.4.relation.1.shift=-0.4"])  # a list of changes
    assert s.events[4].relation is not None and s.events[4].relation[1].shift == -0.4


def test_top_level_lists_and_missing_sections(good_path: Path, tmp_path: Path, minimal_text: str):
    s = load_scenario(good_path, ["steps=10", "seed=3", "watch.pairs=[[China, India]]"])
    assert (s.steps, s.seed, s.watch.pairs) == (10, 3, [("China", "India")])
    s = load_scenario(good_path, ["calendar.start=2013-Q2", "relations.0.value=0.1"])
    assert s.calendar is not None and s.calendar.start == "2013-04"
    assert s.relations[0].value == 0.1
    minimal = tmp_path / "minimal.yaml"
    minimal.write_text(minimal_text)
    # No calendar and no params in the file: the sections are created.
    s = load_scenario(minimal, ["calendar.start=2010-01", "params.thresholds.alliance=0.7"])
    assert s.calendar is not None and s.calendar.step == "quarter"
    assert s.params.thresholds.alliance == 0.7


def test_missing_leaf_in_a_known_mapping_is_created(good_path: Path):
    s = load_scenario(good_path, ["states.Russia.salience.energy=0.4"])
    assert s.states["Russia"].salience["energy"] == 0.4


def test_unknown_paths_get_did_you_mean(good_path: Path):
    assert problems_of(good_path, "params.balance_wieght=1") == [
        "<--set params.balance_wieght=1>:1:1: params.balance_wieght: "
        "unknown parameter 'balance_wieght'; did you mean 'balance_weight'?"
    ]
    assert problems_of(good_path, "stats.Russia.power=1") == [
        "<--set stats.Russia.power=1>:1:1: stats.Russia.power: "
        "unknown key 'stats'; did you mean 'states'?"
    ]
    assert problems_of(good_path, "states.Rusia.power=1") == [
        "<--set states.Rusia.power=1>:1:1: states.Rusia.power: "
        "unknown state 'Rusia'; did you mean 'Russia'?"
    ]
    assert problems_of(good_path, "events.druzba.at=3") == [
        "<--set events.druzba.at=3>:1:1: events.druzba.at: "
        "unknown event id 'druzba'; did you mean 'druzhba'?"
    ]


def test_bad_indices_and_forms(good_path: Path):
    assert problems_of(good_path, "events.9.at=3") == [
        "<--set events.9.at=3>:1:1: events.9.at: "
        "index 9 is out of range (events has 9 items, 0 to 8)"
    ]
    assert problems_of(good_path, "relations.x.value=3") == [
        "<--set relations.x.value=3>:1:1: relations.x.value: "
        "expected a list index (0, 1, ...) after relations, got 'x'"
    ]
    assert problems_of(good_path, "steps.x=3") == [
        "<--set steps.x=3>:1:1: steps.x: steps is a single value; it has no 'x'"
    ]
    assert problems_of(good_path, "steps") == [
        "<--set steps>:1:1: steps: expected PATH=VALUE, e.g. steps=20"
    ]


def test_override_values_are_validated_like_the_file(good_path: Path):
    assert problems_of(good_path, "params.learning_rate=5", "states.China.interests.enrgy=0.1") == [
        "<--set params.learning_rate=5>:1:1: params.learning_rate: "
        "5 is out of range: needs 0 < x <= 1",
        "<--set states.China.interests.enrgy=0.1>:1:1: states.China.interests.enrgy: "
        "unknown dimension 'enrgy'; did you mean 'energy'?",
    ]
    assert problems_of(good_path, "events.1.at=2010-01") == [
        "<--set events.1.at=2010-01>:1:1: events.1 (druzhba).at: "
        "2010-01 is before the calendar start 2014-01"
    ]
    assert problems_of(good_path, "steps=.nan") == [
        "<--set steps=.nan>:1:1: steps: not a finite number: .nan"
    ]


def test_file_problems_come_before_override_problems(tmp_path: Path, good_text: str):
    broken = tmp_path / "b.yaml"
    broken.write_text(good_text.replace("seed: 7", "seed: -7"))
    assert problems_of(broken, "params.noise=-1") == [
        f"{broken}:7:7: seed: -7 is out of range: needs 0 <= x",
        "<--set params.noise=-1>:1:1: params.noise: -1 is out of range: needs 0 <= x <= 1000",
    ]


def test_apply_overrides_returns_a_copy_and_raises_for_bad_paths(good_text: str):
    doc = yaml.safe_load(good_text)
    out = apply_overrides(doc, ["seed=3", "events.druzhba.note=renamed"])
    assert (out["seed"], doc["seed"]) == (3, 7)
    assert out["events"][1]["note"] == "renamed" and doc["events"][1]["note"] == "Druzhba exercise"
    with pytest.raises(ScenarioError) as info:
        apply_overrides(doc, ["sed=1", "params.x=2"])
    assert [p.path for p in info.value.problems] == ["sed", "params.x"]


@settings(max_examples=30, deadline=None)
@given(st.floats(min_value=0, max_value=MAX_WEIGHT, allow_nan=False), st.floats(-1, 1))
def test_any_valid_value_is_taken_exactly(weight: float, stance: float):
    s = load_scenario(
        DATA / "good.yaml",
        [f"params.balance_weight={weight!r}", f"states.India.interests.energy={stance!r}"],
    )
    assert s.params.balance_weight == weight
    assert s.states["India"].interests["energy"] == stance


def test_override_problems_name_the_event_by_index_and_id(good_path: Path):
    # by index or by id, the message says both; events.0 has no id
    assert problems_of(good_path, "events.druzhba.at.x=3", "events.1.tie.shift.y=1") == [
        "<--set events.druzhba.at.x=3>:1:1: events.1 (druzhba).at.x: "
        "events.1 (druzhba).at is a single value; it has no 'x'",
        "<--set events.1.tie.shift.y=1>:1:1: events.1 (druzhba).tie.shift.y: "
        "events.1 (druzhba).tie.shift is a single value; it has no 'y'",
    ]
    assert problems_of(good_path, "events.1.tie.between.1=Rusia") == [
        "<--set events.1.tie.between.1=Rusia>:1:1: events.1 (druzhba).tie.between.1: "
        "unknown state 'Rusia'; did you mean 'Russia'?"
    ]
    assert problems_of(good_path, "events.0.at=2010-01")[0].split(": ")[1] == "events.0.at"
