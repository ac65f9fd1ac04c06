"""Scenario variants (`extends:`): merge rules, chains, problems with their files and lines."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from alignsim.scenario import (
    Scenario,
    ScenarioError,
    load_scenario,
    load_scenario_text,
    scenario_json_schema,
)
from alignsim.scenario.cli_support import validate_files

ROOT = Path(__file__).resolve().parents[2]

BASE = """\
name: base
calendar: {start: 2014-01, step: quarter}
steps: 20
dimensions:
  energy: {kind: complementary}
  security: {kind: shared}
states:
  China: {power: 0.8, interests: {energy: 0.7, security: 0.4}, salience: {energy: 0.8}}
  Russia: {power: 0.4, interests: {energy: -0.9, security: 0.3}}
  Pakistan: {power: 0.2, interests: {energy: 0.8, security: 0.7}}
relations:
  - {between: [China, Pakistan], value: 0.9, note: old friends}
  - {between: [China, Russia], value: 0.1}
ties:
  - {between: [China, Pakistan], value: 0.8}
corridors:
  CPEC: {route: [China, Pakistan], status: active, boost: 0.3}
  TAPI: {route: [Russia, Pakistan], status: planned, dimensions: [energy]}
params:
  balance_weight: 0.3
  thresholds: {partner: 0.25}
events:
  - {id: first, at: 2014-06, tie: {between: [Russia, Pakistan], shift: 0.1}}
  - {id: second, at: 2015-01, corridor: {TAPI: blocked}, note: TAPI stalls}
  - {at: 2016-01, note: no id}
  - {id: third, at: 2016-06, shift: {Russia: {security: 0.1}}}
watch:
  pairs: [[China, Russia]]
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def variant(tmp_path: Path, body: str, name: str = "child.yaml") -> Scenario:
    write(tmp_path, "base.yaml", BASE)
    return load_scenario(write(tmp_path, name, "extends: base.yaml\n" + body))


def problems(path: Path, overrides: tuple[str, ...] = ()) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides)
    return [str(p) for p in info.value.problems]


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line containing ``needle``."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


# -- merge rules ------------------------------------------------------------------------------


def test_a_variant_with_only_extends_is_its_parent(tmp_path: Path):
    child = variant(tmp_path, "")
    assert child == load_scenario(tmp_path / "base.yaml")


def test_mappings_merge_at_every_depth_and_the_child_wins(tmp_path: Path):
    s = variant(
        tmp_path,
        "name: child\n"
        "calendar: {step: month}\n"
        "states:\n"
        "  China: {interests: {security: 0.9}, salience: {security: 0.5}}\n"
        "  Iran: {power: 0.2, interests: {energy: -0.8, security: 0.5}}\n"
        "corridors: {TAPI: {status: active}}\n"
        "params: {thresholds: {alliance: 0.7}}\n",
    )
    assert s.name == "child" and s.steps == 20
    assert (s.calendar.start, s.calendar.step) == ("2014-01", "month")  # type: ignore[union-attr]
    china = s.states["China"]
    assert china.power == 0.8 and china.interests == {"energy": 0.7, "security": 0.9}
    assert china.salience == {"energy": 0.8, "security": 0.5}
    assert s.state_names == ["China", "Russia", "Pakistan", "Iran"]  # new keys come last
    tapi = s.corridors["TAPI"]
    assert (tapi.route, tapi.status, tapi.dimensions) == (
        ["Russia", "Pakistan"],
        "active",
        ["energy"],
    )
    assert s.params.balance_weight == 0.3
    assert (s.params.thresholds.partner, s.params.thresholds.alliance) == (0.25, 0.7)


def test_other_values_and_lists_are_replaced(tmp_path: Path):
    s = variant(
        tmp_path,
        "corridors: {TAPI: {route: [China, Russia, Pakistan], dimensions: null}}\n"
        "watch: {pairs: [[Russia, Pakistan]], triangles: [[China, Russia, Pakistan]]}\n",
    )
    assert s.corridors["TAPI"].route == ["China", "Russia", "Pakistan"]
    assert s.corridors["TAPI"].dimensions is None  # null replaces too
    assert s.watch.pairs == [("Russia", "Pakistan")]


def test_relations_and_ties_merge_by_pair_in_either_order(tmp_path: Path):
    s = variant(
        tmp_path,
        "relations:\n"
        "  - {between: [Russia, China], value: 0.6}\n"
        "  - {between: [Russia, Pakistan], value: -0.5}\n"
        "ties:\n"
        "  - {between: [Pakistan, China], value: 0.7}\n",
    )
    assert [(r.between, r.value, r.note) for r in s.relations] == [
        (("China", "Pakistan"), 0.9, "old friends"),
        (("Russia", "China"), 0.6, ""),  # replaced whole, in the parent's place
        (("Russia", "Pakistan"), -0.5, ""),  # new pair, appended
    ]
    assert s.ties is not None and [(t.between, t.value) for t in s.ties] == [
        (("Pakistan", "China"), 0.7)
    ]


def test_ties_null_drops_the_parents_ties(tmp_path: Path):
    assert variant(tmp_path, "ties: null\n").ties is None


def test_a_pair_given_twice_by_the_child_is_reported_once_appended(tmp_path: Path):
    write(tmp_path, "base.yaml", BASE)
    child = write(
        tmp_path,
        "child.yaml",
        "extends: base.yaml\n"
        "relations:\n"
        "  - {between: [China, Russia], value: 0.6}\n"
        "  - {between: [Russia, China], value: 0.5}\n",
    )
    assert problems(child) == [
        f"{child}:4:15: relations.2.between: pair ['Russia', 'China'] is already given at "
        "relations.1"
    ]


def test_events_are_replaced_removed_and_appended_by_id(tmp_path: Path):
    s = variant(
        tmp_path,
        "events:\n"
        "  - {id: second, at: 2015-04, note: TAPI stalls later}\n"
        "  - {id: first, remove: true}\n"
        "  - {id: fourth, at: 2017-01, note: new}\n"
        "  - {at: 2018-01, note: new without id}\n",
    )
    assert [e.id for e in s.events] == ["second", None, "third", "fourth", None]
    second = s.events[0]
    assert (second.at, second.note, second.corridor) == ("2015-04", "TAPI stalls later", None)
    assert [e.note for e in s.events[3:]] == ["new", "new without id"]


def test_chains_apply_the_furthest_ancestor_first(tmp_path: Path):
    write(tmp_path, "base.yaml", BASE)
    write(
        tmp_path,
        "mid/middle.yaml",
        "extends: ../base.yaml\nname: middle\nparams: {balance_weight: 0.5, noise: 0.1}\n"
        "events: [{id: third, remove: true}, {id: mid, at: 2017-01, note: middle}]\n",
    )
    leaf = write(
        tmp_path,
        "leaf/leaf.yaml",
        "extends: ../mid/middle.yaml\nparams: {noise: 0.2}\n"
        "events: [{id: mid, at: 2018-01, note: leaf}]\n",
    )
    s = load_scenario(leaf)
    assert s.name == "middle"
    assert (s.params.balance_weight, s.params.noise) == (0.5, 0.2)
    assert [e.id for e in s.events] == ["first", "second", None, "mid"]
    assert (s.events[-1].at, s.events[-1].note) == ("2018-01", "leaf")


def test_extends_is_relative_to_the_file_and_absolute_paths_work(tmp_path: Path):
    parent = write(tmp_path, "deep/er/base.yaml", BASE)
    child = write(tmp_path, "child.yaml", f"extends: {parent}\nname: absolute\n")
    assert load_scenario(child).name == "absolute"
    text = f"extends: {parent}\nname: from-text\n"
    assert load_scenario_text(text).name == "from-text"


def test_removing_an_event_keeps_the_order_of_the_others(tmp_path: Path):
    s = variant(tmp_path, "events: [{id: second, remove: true}]\n")
    assert [e.id for e in s.events] == ["first", None, "third"]


# -- resolved scenario and overrides -----------------------------------------------------------


def test_the_resolved_scenario_is_self_contained_and_round_trips(tmp_path: Path):
    s = variant(
        tmp_path,
        "name: child\nrelations: [{between: [Russia, China], value: 0.6}]\n"
        "events: [{id: first, remove: true}]\n",
    )
    text = s.to_yaml()
    assert "extends" not in text and "remove" not in text
    again = load_scenario_text(text, filename=str(tmp_path / "elsewhere" / "resolved.yaml"))
    assert again == s
    assert again.to_yaml() == text


def test_overrides_apply_to_the_merged_scenario(tmp_path: Path):
    write(tmp_path, "base.yaml", BASE)
    child = write(
        tmp_path,
        "child.yaml",
        "extends: base.yaml\nevents:\n  - {id: first, remove: true}\n"
        "  - {id: late, at: 2019-01, note: appended}\n",
    )
    s = load_scenario(child, ["events.late.at=2018-04", "events.third.at=2017-01"])
    assert [(e.id, e.at) for e in s.events if e.id in ("late", "third")] == [
        ("third", "2017-01"),
        ("late", "2018-04"),
    ]
    # Indices count in the merged list: `first` is gone, so events.0 is `second`.
    assert load_scenario(child, ["events.0.note=moved"]).events[0].id == "second"
    assert load_scenario(child, ["params.noise=0.2"]).params.noise == 0.2
    assert problems(child, ("events.thrid.at=2015-01",)) == [
        "<--set events.thrid.at=2015-01>:1:1: events.thrid.at: unknown event id 'thrid'; "
        "did you mean 'third'?"
    ]
    assert problems(child, ("events.late.at=2010-01",)) == [
        "<--set events.late.at=2010-01>:1:1: events.3 (late).at: 2010-01 is before the calendar "
        "start 2014-01"
    ]


def test_validate_takes_a_variant(tmp_path: Path):
    write(tmp_path, "base.yaml", BASE)
    good = write(tmp_path, "good.yaml", "extends: base.yaml\nname: good\n")
    bad = write(tmp_path, "bad.yaml", "extends: base.yaml\nparams: {noise: -1}\n")
    code, lines = validate_files([good, bad])
    assert code == 2
    assert lines == [
        f"{good}: ok",
        f"{bad}:2:17: params.noise: -1 is out of range: needs 0 <= x <= 1000",
    ]


# -- problems ----------------------------------------------------------------------------------


def test_problems_keep_the_file_and_line_they_come_from(tmp_path: Path):
    parent_text = BASE.replace("power: 0.4", "power: -0.4")  # in the parent, untouched by child
    parent = write(tmp_path, "base.yaml", parent_text)
    child_text = (
        "extends: base.yaml\n"
        "states:\n"
        "  China: {interests: {security: 1.5}}\n"  # in the child
        "events:\n"
        "  - {id: x, at: 2016-01, shift: {Rusia: {energy: 0.1}}}\n"
    )
    child = write(tmp_path, "child.yaml", child_text)
    russia = line_of(parent_text, "Russia: {power")
    col = parent_text.splitlines()[russia - 1].index("-0.4") + 1
    assert problems(child) == [
        f"{child}:3:33: states.China.interests.security: 1.5 is out of range: needs -1 <= x <= 1",
        f"{child}:5:34: events.4 (x).shift.Rusia: unknown state 'Rusia'; did you mean 'Russia'?",
        f"{parent}:{russia}:19: states.Russia.power: -0.4 is out of range: needs 0 < x <= 1e+15",
    ]
    assert col == 19


def test_a_child_value_replaces_a_bad_parent_value(tmp_path: Path):
    write(tmp_path, "base.yaml", BASE.replace("power: 0.4", "power: -0.4"))
    child = write(tmp_path, "child.yaml", "extends: base.yaml\nstates: {Russia: {power: 0.4}}\n")
    assert load_scenario(child).states["Russia"].power == 0.4


def test_problems_of_a_merged_whole_point_at_the_value_that_caused_them(tmp_path: Path):
    write(tmp_path, "base.yaml", BASE)
    child = write(
        tmp_path, "child.yaml", "extends: base.yaml\ndimensions: {trade: {kind: shared}}\n"
    )
    lines = problems(child)
    # The new dimension is missing from every state's interests, written in the parent.
    assert len(lines) == 3
    assert all(line.startswith(f"{tmp_path / 'base.yaml'}:") for line in lines)
    assert all("missing dimension 'trade'" in line for line in lines)


def test_reading_problems_in_the_parent_are_reported_with_the_parents_file(tmp_path: Path):
    parent = write(tmp_path, "base.yaml", BASE.replace("steps: 20", "steps: 20\nsteps: 21"))
    child = write(tmp_path, "child.yaml", "extends: base.yaml\nname: child\n")
    assert problems(child) == [f"{parent}:4:1: steps: duplicate key 'steps'"]


def test_a_parent_that_does_not_parse_stops_the_load(tmp_path: Path):
    parent = write(tmp_path, "base.yaml", "name: [unclosed\n")
    child = write(tmp_path, "child.yaml", "extends: base.yaml\nname: child\n")
    lines = problems(child)
    assert len(lines) == 1 and lines[0].startswith(f"{parent}:2:1: (top): YAML syntax:")


def test_a_missing_parent_is_a_problem_at_the_extends_line(tmp_path: Path):
    child = write(tmp_path, "child.yaml", "name: child\nextends: nowhere.yaml\n")
    assert problems(child) == [
        f"{child}:2:10: extends: parent scenario {tmp_path / 'nowhere.yaml'}: cannot read file: "
        "No such file or directory"
    ]


@pytest.mark.parametrize("value", ["3", "''", "[a.yaml]", "null"])
def test_extends_must_be_a_path(tmp_path: Path, value: str):
    child = write(tmp_path, "child.yaml", f"name: child\nextends: {value}\n")
    lines = problems(child)
    assert len(lines) == 1
    assert lines[0].startswith(f"{child}:2:")
    assert "`extends` needs the path of the parent scenario file" in lines[0]


def test_cycles_are_problems(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "a.yaml", "extends: b.yaml\nname: a\n")
    write(tmp_path, "b.yaml", "# b\nextends: a.yaml\nname: b\n")
    assert problems(Path("a.yaml")) == [
        "b.yaml:2:10: extends: extends cycle: a.yaml -> b.yaml -> a.yaml"
    ]
    write(tmp_path, "self.yaml", "extends: ./self.yaml\n")
    assert problems(Path("self.yaml")) == [
        "self.yaml:1:10: extends: extends cycle: self.yaml -> self.yaml"
    ]


def test_removing_an_unknown_event_suggests_the_parents_ids(tmp_path: Path):
    write(tmp_path, "base.yaml", BASE)
    child = write(
        tmp_path, "child.yaml", "extends: base.yaml\nevents:\n  - {id: secnd, remove: true}\n"
    )
    assert problems(child) == [
        f"{child}:3:10: events.0 (secnd).id: unknown event id 'secnd'; did you mean 'second'?"
    ]
    write(tmp_path, "child.yaml", "extends: base.yaml\nevents:\n  - {id: zzz, remove: true}\n")
    assert problems(child) == [
        f"{child}:3:10: events.0 (zzz).id: unknown event id 'zzz'; expected one of: first, second, "
        "third"
    ]


def test_remove_markers_take_only_an_id_and_true(tmp_path: Path):
    write(tmp_path, "base.yaml", BASE)
    child = write(
        tmp_path,
        "child.yaml",
        "extends: base.yaml\n"
        "events:\n"
        "  - {id: first, remove: false}\n"
        "  - {id: second, remove: true, at: 2015-06}\n"
        "  - {remove: true}\n"
        "  - {id: third, remove: true}\n"
        "  - {id: third, remove: true}\n",
    )
    assert problems(child) == [
        f"{child}:3:25: events.0 (first).remove: `remove` can only be `true` (got false)",
        f"{child}:4:32: events.1 (second).at: an event with `remove: true` takes only `id`, not "
        "`at`; to change the event, give it whole without `remove`",
        f"{child}:5:5: events.2: `remove: true` needs the `id` of the parent's event to delete",
        f"{child}:7:10: events.4 (third).id: event 'third' is already replaced or removed at "
        "events.3",
    ]


def test_remove_without_extends_is_a_problem(minimal_text: str):
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(minimal_text + "events:\n  - {id: x, remove: true}\n", "plain.yaml")
    assert [str(p) for p in info.value.problems] == [
        "plain.yaml:8:13: events.0 (x).remove: `remove: true` deletes an event of a parent "
        "scenario, but this file has no `extends:`"
    ]


# -- JSON Schema --------------------------------------------------------------------------------


def test_json_schema_accepts_variants():
    schema = scenario_json_schema()
    json.dumps(schema)
    assert schema["properties"]["extends"]["type"] == "string"
    assert schema["if"] == {"required": ["extends"]}
    assert schema["else"] == {"$ref": "#/$defs/Scenario"}
    defs = schema["$defs"]
    assert "extends" not in defs["Scenario"]["properties"]  # a complete file has no parent
    assert set(defs["Scenario"]["required"]) == {"name", "dimensions", "states"}
    # In a variant, merged sections need none of their required keys ...
    assert schema["properties"]["states"]["additionalProperties"] == {
        "$ref": "#/$defs/StateSpecVariant"
    }
    assert "required" not in defs["StateSpecVariant"]
    assert "required" not in defs["CorridorVariant"]
    assert defs["StateSpec"]["required"] == ["power", "interests"]
    # ... events may be remove markers, relations and ties stay whole entries.
    assert schema["properties"]["events"]["items"] == {"$ref": "#/$defs/EventVariant"}
    assert defs["EventVariant"]["properties"]["remove"]["const"] is True
    assert "remove" not in defs["Event"]["properties"]
    assert schema["properties"]["relations"]["items"] == {"$ref": "#/$defs/PairValue"}


def test_json_schema_validates_files_when_jsonschema_is_installed():
    jsonschema = pytest.importorskip("jsonschema")
    import yaml

    validator = jsonschema.Draft202012Validator(scenario_json_schema())
    files = [ROOT / "scenarios" / "pakistan_china_russia.yaml", *COUNTERFACTUALS.values()]
    for path in files:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        document = json.loads(json.dumps(document, default=str))  # YAML dates as text
        assert not list(validator.iter_errors(document)), path
    partial = {"extends": "x.yaml", "states": {"Russia": {"power": 0.1}}, "calendar": {}}
    assert not list(
        validator.iter_errors({**partial, "corridors": {"TAPI": {"status": "blocked"}}})
    )
    assert list(validator.iter_errors({**partial, "states": {"Russia": {"power": -1}}}))
    assert list(validator.iter_errors({"extends": 3}))
    assert list(validator.iter_errors({"name": "x", "events": [{"id": "a", "remove": True}]}))


# -- the docs example ---------------------------------------------------------------------------


def test_the_variant_example_in_the_docs_loads(tmp_path: Path):
    text = (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, flags=re.S)
    parent = next(b for b in blocks if "states:" in b)
    child = next(b for b in blocks if b.startswith("extends:"))
    assert "extends: small-axis.yaml" in child
    write(tmp_path, "small-axis.yaml", parent)
    s = load_scenario(write(tmp_path, "tapi-built.yaml", child))
    base = load_scenario(tmp_path / "small-axis.yaml")
    assert s.name == "small-axis-tapi-built"
    assert s.corridors["TAPI"].status == "active"
    assert s.corridors["TAPI"].route == base.corridors["TAPI"].route
    assert (s.params.balance_weight, s.params.thresholds.partner) == (0.6, 0.3)
    assert [(set(r.between), r.value) for r in s.relations] == [
        ({"China", "Pakistan"}, 0.9),
        ({"India", "Pakistan"}, -0.5),
        ({"Russia", "Pakistan"}, 0.2),
    ]
    assert [e.id for e in s.events] == [None, "druzhba", None, None]
    assert s.events[1].at == "2017-09" and s.events[3].note == "TAPI construction starts"
    assert "tapi_stalls" in {e.id for e in base.events}


# -- the shipped counterfactuals ----------------------------------------------------------------

COUNTERFACTUALS = {
    path.stem: path for path in sorted((ROOT / "scenarios" / "counterfactuals").glob("*.yaml"))
}
FLAGSHIP_PATH = ROOT / "scenarios" / "pakistan_china_russia.yaml"


def flat(scenario: Scenario) -> dict[str, object]:
    """Every value by path; events by id, relations and ties by pair, so diffs name them."""
    out: dict[str, object] = {}

    def walk(value: object, path: str) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(inner, f"{path}.{key}" if path else key)
        elif path == "events" and isinstance(value, list):
            for event in value:
                walk(event, f"events.{event['id']}")
        elif path in ("relations", "ties") and isinstance(value, list):
            for entry in value:
                walk(entry, f"{path}.{'-'.join(sorted(entry['between']))}")
        else:
            out[path] = value

    walk(scenario.model_dump(mode="json", by_alias=True), "")
    return out


def differences(a: Scenario, b: Scenario) -> set[str]:
    fa, fb = flat(a), flat(b)
    return {
        key for key in fa.keys() | fb.keys() if fa.get(key, "<absent>") != fb.get(key, "<absent>")
    }


def covered(diff: set[str], expected: set[str]) -> None:
    """Every difference lies under an expected path, and every expected path differs."""
    assert {d for d in diff if not any(d == e or d.startswith(e + ".") for e in expected)} == set()
    assert {e for e in expected if not any(d == e or d.startswith(e + ".") for d in diff)} == set()


def test_the_four_counterfactuals_are_shipped():
    assert set(COUNTERFACTUALS) == {
        "tapi_blocked",
        "no_us_pakistan_downturn",
        "low_china_russia_distrust",
        "russia_favours_india",
    }


@pytest.mark.parametrize("stem", sorted(COUNTERFACTUALS))
def test_counterfactuals_extend_the_flagship_and_say_why(stem: str):
    path = COUNTERFACTUALS[stem]
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0].startswith("# Counterfactual:")
    header = "\n".join(line for line in lines[: line_of(text, "extends:")] if line.startswith("#"))
    assert "Question:" in header and "What changes" in header
    assert "extends: ../pakistan_china_russia.yaml" in lines
    assert validate_files([path]) == (0, [f"{path}: ok"])
    scenario = load_scenario(path)
    assert scenario.name.startswith("pakistan-china-russia-axis-")
    assert scenario.observed is not None  # the flagship's record, inherited
    # the resolved scenario of a run folder leaves the observed history out: runs do not read it
    assert load_scenario_text(scenario.to_yaml()) == scenario.model_copy(update={"observed": None})


@pytest.mark.parametrize(
    ("stem", "expected"),
    [
        (
            "tapi_blocked",
            {"events.tapi_blocked_early", "events.tapi_stalls.note", "events.tapi_stalls.corridor"},
        ),
        ("no_us_pakistan_downturn", {"events.us_south_asia_strategy", "events.us_aid_suspension"}),
        (
            "low_china_russia_distrust",
            {"relations.China-Russia.value", "relations.China-Russia.note"},
        ),
        (
            "russia_favours_india",
            {
                "events.russia_lifts_arms_embargo",
                "events.russia_pakistan_defense_agreement",
                "events.mi35_sale",
                "events.rafale_deal.relation",
                "events.us_india_2plus2.relation",
            },
        ),
    ],
)
def test_counterfactuals_change_only_what_they_say(flagship: Scenario, stem: str, expected: set):
    counterfactual = load_scenario(COUNTERFACTUALS[stem])
    covered(differences(flagship, counterfactual), expected | {"name", "description"})
    # Replaced events keep their places; new ones come last.
    kept = [e.id for e in counterfactual.events if e.id in {f.id for f in flagship.events}]
    assert kept == [e.id for e in flagship.events if e.id in set(kept)]


def test_low_distrust_raises_only_the_china_russia_history(flagship: Scenario):
    s = load_scenario(COUNTERFACTUALS["low_china_russia_distrust"])
    pair = {"China", "Russia"}
    before = next(r for r in flagship.relations if set(r.between) == pair)
    after = next(r for r in s.relations if set(r.between) == pair)
    assert (before.value, after.value) == (0.1, 0.6)
    assert s.relations.index(after) == flagship.relations.index(before)
    assert s.ties == flagship.ties


def test_tapi_blocked_changes_nothing_before_its_early_event(flagship: Scenario):
    s = load_scenario(COUNTERFACTUALS["tapi_blocked"])
    early = next(e for e in s.events if e.id == "tapi_blocked_early")
    assert early.corridor == {"TAPI": "blocked", "Altai_Xinjiang_pipeline": "active"}
    assert "2015-01" <= str(early.at) <= "2017-12"
    step = s.step_of(early.at)  # type: ignore[arg-type]
    # The world at step 0 is the flagship's.
    for section in ("dimensions", "states", "relations", "ties", "corridors", "params", "calendar"):
        assert getattr(s, section) == getattr(flagship, section), section
    # The earliest event that differs is the early block.
    theirs = {e.id: e for e in flagship.events}
    changed = [e for e in s.events if theirs.get(e.id) != e]
    assert min(s.event_window(e)[0] for e in changed) == step
    assert [e.id for e in changed if s.event_window(e)[0] == step] == ["tapi_blocked_early"]
    stalls = next(e for e in s.events if e.id == "tapi_stalls")
    assert stalls.corridor is None and stalls.tie == theirs["tapi_stalls"].tie


def first_change(flagship: Scenario, counterfactual: Scenario) -> int:
    """The first update at which the counterfactual can differ from the flagship."""
    sections = ("calendar", "dimensions", "states", "relations", "ties", "corridors", "params")
    if any(getattr(flagship, s) != getattr(counterfactual, s) for s in sections):
        return 1
    ours = {e.id: e for e in counterfactual.events}
    theirs = {e.id: e for e in flagship.events}
    steps = [flagship.event_window(e)[0] for e in flagship.events if ours.get(e.id) != e]
    steps += [
        counterfactual.event_window(e)[0] for e in counterfactual.events if theirs.get(e.id) != e
    ]
    return min(steps)


@pytest.mark.parametrize("stem", sorted(COUNTERFACTUALS))
def test_runs_match_the_flagship_until_the_first_change(flagship: Scenario, stem: str):
    from alignsim.model import simulate

    counterfactual = load_scenario(COUNTERFACTUALS[stem])
    step = first_change(flagship, counterfactual)
    a = simulate(flagship, seed=3)
    b = simulate(counterfactual, seed=3)
    for k in range(step):
        assert (a.tie_matrix(k) == b.tie_matrix(k)).all(), k
    assert not (a.tie_matrix(step) == b.tie_matrix(step)).all()
    assert not (a.tie_matrix(a.steps) == b.tie_matrix(b.steps)).all()


def test_remove_checks_the_parents_ids_even_when_it_has_no_events(tmp_path: Path, minimal_text):
    write(tmp_path, "base.yaml", minimal_text)
    child = write(tmp_path, "child.yaml", "extends: base.yaml\nevents: [{id: x, remove: true}]\n")
    assert problems(child) == [
        f"{child}:2:15: events.0 (x).id: unknown event id 'x'; "
        f"{tmp_path / 'base.yaml'} has no event with an id"
    ]
