"""Scenario files: typed schema, safe loading with line numbers, overrides by path.

Typical use::

    from alignsim.scenario import load_scenario
    scenario = load_scenario("scenarios/pakistan_china_russia.yaml",
                             overrides=["params.balance_weight=0.8"])
"""

from .cli_support import validate_files
from .loading import load_scenario, load_scenario_text, scenario_json_schema
from .overrides import apply_overrides
from .problems import Problem, ScenarioError
from .schema import (
    Calendar,
    ChangeMap,
    Corridor,
    Dimension,
    Event,
    PairValue,
    ParamChange,
    Params,
    PowerChange,
    Scenario,
    StateSpec,
    Thresholds,
    TieChange,
    Watch,
)

__all__ = [
    "Calendar",
    "ChangeMap",
    "Corridor",
    "Dimension",
    "Event",
    "PairValue",
    "ParamChange",
    "Params",
    "PowerChange",
    "Problem",
    "Scenario",
    "ScenarioError",
    "StateSpec",
    "Thresholds",
    "TieChange",
    "Watch",
    "apply_overrides",
    "load_scenario",
    "load_scenario_text",
    "scenario_json_schema",
    "validate_files",
]
