"""Page settings become a scenario through the CLI's loader, with the CLI's errors."""

from __future__ import annotations

import pytest

from alignsim.app.settings import PageSettings, build_scenario
from alignsim.scenario import ScenarioError, load_scenario
from tests.conftest import FLAGSHIP


def test_settings_are_overrides_as_the_cli_takes_them():
    settings = PageSettings(
        FLAGSHIP,
        seed=3,
        params={"balance_weight": 0.8},
        salience={("Pakistan", "energy"): 0.25},
        events_off=frozenset({"druzhba_2016"}),
    )
    assert settings.overrides() == [
        "params.balance_weight=0.8",
        "states.Pakistan.salience.energy=0.25",
    ]
    assert settings.describe() == [
        "--seed", "3", "--set", "params.balance_weight=0.8",
        "--set", "states.Pakistan.salience.energy=0.25", "--without", "druzhba_2016",
    ]  # fmt: skip
    scenario = build_scenario(settings)
    with_sets = load_scenario(FLAGSHIP, settings.overrides())
    assert scenario.model_dump(exclude={"events"}) == with_sets.model_dump(exclude={"events"})
    assert "druzhba_2016" not in [e.id for e in scenario.events]
    assert len(scenario.events) == len(load_scenario(FLAGSHIP).events) - 1


def test_switching_events_off_matches_a_variant_file(tmp_path):
    variant = tmp_path / "variant.yaml"
    variant.write_text(
        f"extends: {FLAGSHIP}\nevents:\n  - {{id: druzhba_2016, remove: true}}\n"
        "  - {id: tapi_stalls, remove: true}\n"
    )
    settings = PageSettings(FLAGSHIP, events_off=frozenset({"tapi_stalls", "druzhba_2016"}))
    assert build_scenario(settings).content_hash() == load_scenario(variant).content_hash()


def test_an_event_the_scenario_does_not_have_is_ignored():
    settings = PageSettings(FLAGSHIP, events_off=frozenset({"no_such_event"}))
    assert build_scenario(settings).content_hash() == load_scenario(FLAGSHIP).content_hash()


def test_a_value_out_of_range_is_the_loaders_error():
    with pytest.raises(ScenarioError) as error:
        build_scenario(PageSettings(FLAGSHIP, params={"noise": -1.0}))
    assert "<--set params.noise=-1>" in str(error.value)


def test_toggling_keeps_the_other_settings():
    settings = PageSettings(FLAGSHIP).with_param("tie_cost", 0.1).with_event("druzhba_2016", False)
    settings = settings.with_salience("Russia", "defense", 0.5).with_event("druzhba_2016", True)
    assert settings.params == {"tie_cost": 0.1}
    assert settings.salience == {("Russia", "defense"): 0.5}
    assert settings.events_off == frozenset()
