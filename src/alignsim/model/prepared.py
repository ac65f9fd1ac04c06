"""A scenario made ready for many runs: what every run of it would otherwise rebuild.

A sweep runs each design point's scenario hundreds of times. Validating it, building its
world's arrays and computing its static payoffs once per point, instead of once per run,
leaves each run only the work that depends on its seed. The runs are the model's own
(``AlignmentModel(prepared, rng=seed)``), so they equal runs of the plain scenario.
"""

from __future__ import annotations

import copy
from typing import Any

from alignsim.model.events import ScheduledEvent, plan
from alignsim.model.payoffs import StaticPayoffs
from alignsim.model.recorder import watched_columns
from alignsim.model.world import World


class PreparedScenario:
    """A validated scenario, its world as built at step 0, its events' windows of steps, and
    its runs' shared static payoffs.

    ``static`` fills as runs apply events (see ``payoffs.StaticPayoffs``); the world is
    copied for each run and never stepped itself. Treat it as read-only: a world changed
    after runs have filled ``static`` would meet totals computed for the old one (make a
    new ``PreparedScenario``, or ``with_params``, instead).
    """

    def __init__(self, scenario: Any) -> None:
        self.scenario = scenario
        self.world = World.from_scenario(scenario)
        self.events: list[ScheduledEvent] = plan(scenario)
        self.static = StaticPayoffs()
        self.watch = watch_indices(scenario, self.world)
        self.kept = watched_columns(scenario, self.world.names)
        """The watched pairs' columns, for ``record="watched"``."""

    def with_params(self, params: Any) -> PreparedScenario:
        """The same scenario with another validated ``Params``: its world copied with those
        parameters, the events' windows and watched pairs kept (they do not depend on
        parameters), and static payoffs of its own (they do)."""
        other = copy.copy(self)
        other.scenario = self.scenario.model_copy(update={"params": params})
        other.world = self.world.copy()
        values = params.model_dump()
        other.world.thresholds = values.pop("thresholds")
        other.world.params = values
        other.world.corridors_changed()  # planned_boost_share enters the corridor factors
        other.static = StaticPayoffs()
        return other

    def __repr__(self) -> str:
        return f"PreparedScenario({self.scenario.name!r}, {len(self.static)} event histories)"


def watch_indices(spec: Any, world: World) -> dict[str, dict[str, Any]]:
    """The watched pairs and triangles as state indices, by label."""
    pairs = {"-".join(p): tuple(world.index[s] for s in p) for p in spec.watch.pairs}
    triangles = {"-".join(t): tuple(world.index[s] for s in t) for t in spec.watch.triangles}
    return {"pairs": pairs, "triangles": triangles}
