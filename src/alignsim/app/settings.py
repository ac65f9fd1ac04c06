"""What the page's controls choose, and how it becomes a scenario.

The page never edits a scenario object: it writes the same things a modeler would —
``--set`` overrides for parameters and saliences, and a variant file that ``extends`` the
chosen scenario and removes the events switched off — and loads them with the loader the
CLI uses. So a run shown on the page is a run ``alignsim run`` could make, and its exported
``scenario.yaml`` reproduces it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path

from alignsim.scenario import Scenario, load_scenario, load_scenario_text

#: The parameters the page offers as sliders: (name, label, low, high, step).
MAIN_PARAMS: tuple[tuple[str, str, float, float, float], ...] = (
    ("interest_weight", "Interest weight (shared interests)", 0.0, 2.0, 0.05),
    ("balance_weight", "Balance weight (enemy of my enemy)", 0.0, 1.5, 0.05),
    ("history_weight", "History weight (old friends, old enemies)", 0.0, 1.5, 0.05),
    ("tie_cost", "Tie cost", 0.0, 0.5, 0.01),
    ("noise", "Noise", 0.0, 0.5, 0.01),
)

#: Where the shipped scenarios live in a source checkout.
SHIPPED = Path(__file__).resolve().parents[3] / "scenarios"


def shipped_scenarios(root: Path = SHIPPED) -> dict[str, Path]:
    """The shipped scenarios, flagship first, then the counterfactuals: {label: path}.

    The label is the file's path under ``scenarios/`` without ``.yaml``
    (``counterfactuals/tapi_blocked``). Sweep files are not scenarios and are left out.
    """
    found: dict[str, Path] = {}
    for path in sorted(root.glob("*.yaml")) + sorted(root.glob("counterfactuals/*.yaml")):
        found[path.relative_to(root).with_suffix("").as_posix()] = path
    flagship = "pakistan_china_russia"
    if flagship in found:
        found = {flagship: found.pop(flagship), **found}
    return found


@dataclass(frozen=True)
class PageSettings:
    """One choice of every control; changing any of them starts a new run.

    ``params`` and ``salience`` hold only what the user moved; everything else is the
    scenario file's own value.
    """

    path: Path
    seed: int | None = None
    params: dict[str, float] = field(default_factory=dict)
    #: {(state, dimension): salience}
    salience: dict[tuple[str, str], float] = field(default_factory=dict)
    events_off: frozenset[str] = frozenset()

    def overrides(self) -> list[str]:
        """The ``--set`` overrides these settings amount to, as the CLI would take them."""
        sets = [f"params.{name}={value:g}" for name, value in self.params.items()]
        sets += [
            f"states.{state}.salience.{dim}={value:g}"
            for (state, dim), value in self.salience.items()
        ]
        return sets

    def with_param(self, name: str, value: float) -> PageSettings:
        return replace(self, params={**self.params, name: float(value)})

    def with_salience(self, state: str, dim: str, value: float) -> PageSettings:
        return replace(self, salience={**self.salience, (state, dim): float(value)})

    def with_event(self, event_id: str, on: bool) -> PageSettings:
        off = self.events_off - {event_id} if on else self.events_off | {event_id}
        return replace(self, events_off=frozenset(off))

    def describe(self) -> list[str]:
        """The settings as command-line-like words (``--seed 3 --set ... --without EVENT``)."""
        words = [] if self.seed is None else ["--seed", str(self.seed)]
        for override in self.overrides():
            words += ["--set", override]
        for event_id in sorted(self.events_off):
            words += ["--without", event_id]
        return words


def build_scenario(settings: PageSettings) -> Scenario:
    """The scenario the settings describe, loaded and validated by the CLI's loader.

    Events switched off are removed by a variant that ``extends`` the chosen file, exactly
    as a counterfactual file would (``{id: X, remove: true}``). Raises ``ScenarioError``.
    """
    if not settings.events_off:
        return load_scenario(settings.path, settings.overrides())
    base = load_scenario(settings.path)
    present = {e.id for e in base.events if e.id}
    removed = sorted(settings.events_off & present)
    if not removed:
        return load_scenario(settings.path, settings.overrides())
    lines = [f"extends: {json.dumps(settings.path.name)}", "events:"]
    lines += [f"  - {{id: {json.dumps(event_id)}, remove: true}}" for event_id in removed]
    variant = settings.path.parent / f"{settings.path.stem}.page-variant.yaml"
    return load_scenario_text("\n".join(lines) + "\n", str(variant), settings.overrides())
