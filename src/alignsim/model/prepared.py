"""A scenario made ready for many runs: what every run of it would otherwise rebuild.

A sweep runs each design point's scenario hundreds of times. Validating it, building its
world's arrays and computing its static payoffs once per point, instead of once per run,
leaves each run only the work that depends on its seed. The runs are the model's own
(``AlignmentModel(prepared, rng=seed)``), so they equal runs of the plain scenario.
"""

from __future__ import annotations

from typing import Any

from alignsim.model.events import ScheduledEvent, plan
from alignsim.model.payoffs import StaticPayoffs
from alignsim.model.world import World


class PreparedScenario:
    """A validated scenario, its world as built at step 0, its events' windows of steps, and
    its runs' shared static payoffs.

    ``static`` fills as runs apply events (see ``payoffs.StaticPayoffs``); the world is
    copied for each run and never stepped itself.
    """

    def __init__(self, scenario: Any) -> None:
        self.scenario = scenario
        self.world = World.from_scenario(scenario)
        self.events: list[ScheduledEvent] = plan(scenario)
        self.static = StaticPayoffs()

    def __repr__(self) -> str:
        return f"PreparedScenario({self.scenario.name!r}, {len(self.static)} event histories)"
