"""A naive reference implementation of alignsim's rules, written as a first Mesa model is.

Every state is a Mesa agent that keeps its stances, saliences and ties in dictionaries of
plain Python floats and works out its payoff from each partner one pair at a time, looping
over dimensions, corridors and third states. Nothing here uses the engine's arrays, payoff
terms, tie rules or event code: only the validated ``Scenario`` (and its date helpers) is
shared. Its cost is that of the style, not of padding: it is what the engine would be
without matrix algebra.

It serves two purposes:

* a correctness oracle: with ``activation: simultaneous`` it reproduces the engine's tie
  matrix at every step to rounding (tests/benchmarks/test_naive_oracle.py). It draws the
  payoff noise and the activation order from the same generators, in the same amounts
  and order, as the engine, so the same holds with noise, stochastic events and ``random``
  activation (see docs/performance.md);
* the baseline of ``benchmarks/bench.py``.

States outside their ``active`` periods hold no ties and revise nothing, but still draw
their noise, as in the engine (docs/ODD.md §7.8).

    model = NaiveModel(scenario, seed=1)
    for _ in range(steps):
        model.step()
    model.tie("China", "Pakistan")
"""

from __future__ import annotations

import math
import zlib
from typing import Any

import mesa
import numpy as np

SIGN = {"shared": 1.0, "complementary": -1.0}
LEVELS = ("hostile", "rival", "neutral", "partner", "alliance", "formal_alliance")
POWER_FLOOR = 1e-6


class NaiveState(mesa.Agent):
    """A state: its numbers in dictionaries, its ties keyed by the partner's name."""

    def __init__(self, model: NaiveModel, name: str, spec: Any) -> None:
        super().__init__(model)
        self.name = name
        self.power = float(spec.power)
        self.interests = {dim: float(spec.interests[dim]) for dim in model.dimensions}
        self.salience = {dim: float(spec.salience.get(dim, 1.0)) for dim in model.dimensions}
        self.ties: dict[str, float] = {}
        self.revised = False
        self.active = True

    def tie(self, other: str) -> float:
        return self.ties.get(other, 0.0)

    def payoff(self, other: NaiveState, noise: float) -> float:
        """What this state gains from a positive tie with ``other`` (docs/ODD.md)."""
        model = self.model
        params = model.params
        # interest: salience-weighted mean agreement or complementarity
        total_salience = sum(self.salience.values())
        interest = 0.0
        if total_salience > 0:
            for dim in model.dimensions:
                factor = model.corridor_factor(self.name, other.name, dim)
                interest += (
                    self.salience[dim]
                    * SIGN[model.kinds[dim]]
                    * self.interests[dim]
                    * other.interests[dim]
                    * factor
                )
            interest = params["interest_weight"] * interest / total_salience
        # structural balance over every two-step path self - third - other
        paths = 0.0
        strength = 0.0
        for third in model.states:
            paths += self.tie(third.name) * third.tie(other.name)
            strength += abs(self.tie(third.name)) * abs(third.tie(other.name))
        if params["balance_norm"] == "mean":
            balance = paths / max(len(model.present()) - 2, 1)
        else:
            balance = paths / (params["balance_floor"] + strength)
        balance *= params["balance_weight"]
        history = params["history_weight"] * model.relation(self.name, other.name)
        strongest = max(state.power for state in model.present() or model.states)
        power = params["power_weight"] * other.power / strongest
        return interest + balance + history + power - params["tie_cost"] + noise

    def new_tie(self, tie: float, mutual: float) -> float:
        """The tie rule: where a tie goes given the mutual payoff min(U_ij, U_ji)."""
        params = self.model.params
        if params["rule"] == "relax":
            target = math.tanh(params["steepness"] * mutual)
            new = tie + params["learning_rate"] * (target - tie)
            return min(1.0, max(-1.0, new))
        form, brk = params["form_threshold"], params["break_threshold"]
        new = tie
        if tie > 0 and mutual < brk:
            new = 0.0
        if tie < 0 and mutual > -brk:
            new = 0.0
        if mutual > form:
            new = 1.0
        if mutual < -form:
            new = -1.0
        return new

    def step(self) -> None:
        """Random activation: revise my ties with partners not yet revised this step.

        The whole row is decided from the network as it is when I am activated, then set.
        """
        model = self.model
        noise_scale = model.params["noise"]
        if noise_scale > 0:
            draws = model.rng.normal(0.0, noise_scale, size=(2, len(model.states))).tolist()
        decisions = {}
        for j, other in enumerate(model.states):
            if other is self or other.revised or not (self.active and other.active):
                continue
            mine = self.payoff(other, draws[0][j] if noise_scale > 0 else 0.0)
            theirs = other.payoff(self, draws[1][j] if noise_scale > 0 else 0.0)
            decisions[other] = self.new_tie(self.tie(other.name), min(mine, theirs))
        for other, value in decisions.items():
            self.ties[other.name] = value
            other.ties[self.name] = value
        self.revised = True


class NaiveModel(mesa.Model):
    """The same rules as ``AlignmentModel``, one pair at a time."""

    def __init__(self, scenario: Any, seed: int | None = None) -> None:
        seed = scenario.seed if seed is None else int(seed)
        super().__init__(rng=seed)
        self.spec = scenario
        self.seed = seed
        self.dimensions = list(scenario.dimensions)
        self.kinds = {dim: spec.kind for dim, spec in scenario.dimensions.items()}
        params = scenario.params.model_dump()
        self.thresholds = params.pop("thresholds")
        self.params = params
        self.states = [NaiveState(self, name, spec) for name, spec in scenario.states.items()]
        self.by_name = {state.name: state for state in self.states}
        self.relations: dict[tuple[str, str], float] = {}
        for pair in scenario.relations:
            self.relations[tuple(sorted(pair.between))] = float(pair.value)
        self.initial: dict[tuple[str, str], float] = {}
        for pair in scenario.relations if scenario.ties is None else scenario.ties:
            a, b = pair.between
            self.by_name[a].ties[b] = float(pair.value)
            self.by_name[b].ties[a] = float(pair.value)
            self.initial[tuple(sorted((a, b)))] = float(pair.value)
        self.periods = scenario.active_steps()
        self.enter_and_leave(0)
        self.corridors = {
            name: {
                "route": set(spec.route),
                "status": spec.status,
                "boost": float(spec.boost),
                "dimensions": spec.dimensions,
            }
            for name, spec in scenario.corridors.items()
        }
        self.events = []
        for position, event in enumerate(scenario.events):
            first, last = scenario.event_window(event)
            label = event.id or f"events.{position}"
            chance = None
            if event.probability < 1.0:  # the engine's convention: one generator per event
                chance = np.random.default_rng(
                    [zlib.crc32(label.encode("utf-8")), seed & 0xFFFFFFFF, seed >> 32]
                )
            self.events.append((first, last, event, chance))
        self.alliance_steps: dict[tuple[str, str], int] = {}
        self.datacollector = mesa.DataCollector(
            tables={"ties": ["step", "source", "target", "strength", "level"]}
        )
        self.record()

    # -- reading the world ---------------------------------------------------------------
    def relation(self, a: str, b: str) -> float:
        return self.relations.get(tuple(sorted((a, b))), 0.0)

    def tie(self, a: str, b: str) -> float:
        return self.by_name[a].tie(b)

    def present(self) -> list[NaiveState]:
        return [state for state in self.states if state.active]

    def is_active(self, name: str, step: int) -> bool:
        """Whether a state is in the world at ``step``: within one of its periods."""
        if name not in self.periods:
            return True
        return any(first <= step and (last is None or step <= last)
                   for first, last in self.periods[name])  # fmt: skip

    def enter_and_leave(self, step: int) -> None:
        """States leave (their ties to 0) or enter (their ties from the initial ones)."""
        entering = set()
        for state in self.states:
            was = state.active
            state.active = self.is_active(state.name, step)
            if state.active and not was:
                entering.add(state.name)
        for state in self.states:
            for other in self.states:
                if other is state:
                    continue
                if not (state.active and other.active):
                    state.ties.pop(other.name, None)
                elif state.name in entering or other.name in entering:
                    key = tuple(sorted((state.name, other.name)))
                    state.ties[other.name] = self.initial.get(key, 0.0)

    def corridor_factor(self, a: str, b: str, dim: str) -> float:
        """1 + the boost of every corridor that carries both states on this dimension."""
        factor = 1.0
        if a == b:
            return factor
        for corridor in self.corridors.values():
            boosted = corridor["dimensions"]
            if boosted is None:
                if self.kinds[dim] != "complementary":
                    continue
            elif dim not in boosted:
                continue
            if a not in corridor["route"] or b not in corridor["route"]:
                continue
            if corridor["status"] == "active":
                factor += corridor["boost"]
            elif corridor["status"] == "planned":
                factor += self.params["planned_boost_share"] * corridor["boost"]
        return factor

    def tie_matrix(self) -> list[list[float]]:
        return [[a.tie(b.name) for b in self.states] for a in self.states]

    # -- the step --------------------------------------------------------------------------
    def step(self) -> None:
        self.enter_and_leave(self.steps)
        self.apply_events(self.steps)
        if self.params["activation"] == "simultaneous":
            self.revise_all()
        else:
            for state in self.states:
                state.revised = False
            self.agents.shuffle_do("step")
        self.socialize()
        self.record()

    def revise_all(self) -> None:
        """Simultaneous activation: every pair from the network at the start of the step."""
        n = len(self.states)
        noise_scale = self.params["noise"]
        noise = self.rng.normal(0.0, noise_scale, size=(n, n)).tolist() if noise_scale > 0 else None
        new = {}
        for i, a in enumerate(self.states):
            for j in range(i + 1, n):
                b = self.states[j]
                if not (a.active and b.active):
                    continue
                mine = a.payoff(b, noise[i][j] if noise else 0.0)
                theirs = b.payoff(a, noise[j][i] if noise else 0.0)
                new[(a, b)] = a.new_tie(a.tie(b.name), min(mine, theirs))
        for (a, b), value in new.items():
            a.ties[b.name] = value
            b.ties[a.name] = value

    def socialize(self) -> None:
        """Stances on shared dimensions drift toward positive partners' stances."""
        mu = self.params["socialization"]
        if mu == 0:
            return
        shared = [dim for dim in self.dimensions if self.kinds[dim] == "shared"]
        targets = {}
        for state in self.states:
            weight = sum(max(state.tie(other.name), 0.0) for other in self.states)
            if weight > 0:
                targets[state] = {
                    dim: sum(max(state.tie(o.name), 0.0) * o.interests[dim] for o in self.states)
                    / weight
                    for dim in shared
                }
        for state, target in targets.items():
            for dim in shared:
                moved = state.interests[dim] + mu * (target[dim] - state.interests[dim])
                state.interests[dim] = min(1.0, max(-1.0, moved))

    # -- events --------------------------------------------------------------------------
    def apply_events(self, step: int) -> None:
        for first, last, event, chance in self.events:
            if not first <= step <= last:
                continue
            if chance is not None and not chance.random() < event.probability:
                continue
            self.apply(event)

    def apply(self, event: Any) -> None:
        for changes, shift in ((event.set, False), (event.shift, True)):
            for name, values in (changes or {}).items():
                state = self.by_name[name]
                for dim, value in values.items():
                    new = state.interests[dim] + value if shift else value
                    state.interests[dim] = min(1.0, max(-1.0, new))
        if event.salience:
            for changes, shift in ((event.salience.set, False), (event.salience.shift, True)):
                for name, values in (changes or {}).items():
                    state = self.by_name[name]
                    for dim, value in values.items():
                        new = state.salience[dim] + value if shift else value
                        state.salience[dim] = min(1.0, max(0.0, new))
        if event.power:
            for changes, shift in ((event.power.set, False), (event.power.shift, True)):
                for name, value in (changes or {}).items():
                    state = self.by_name[name]
                    state.power = max(POWER_FLOOR, state.power + value if shift else value)
        for change in event.tie or []:
            a, b = change.between
            value = change.set if change.set is not None else self.tie(a, b) + change.shift
            value = min(1.0, max(-1.0, value))
            self.by_name[a].ties[b] = value
            self.by_name[b].ties[a] = value
        for change in event.relation or []:
            key = tuple(sorted(change.between))
            value = change.set if change.set is not None else self.relations.get(key, 0.0)
            if change.set is None:
                value += change.shift
            self.relations[key] = min(1.0, max(-1.0, value))
        if event.param:
            for changes, shift in ((event.param.set, False), (event.param.shift, True)):
                for name, value in (changes or {}).items():
                    self.params[name] = self.params[name] + value if shift else value
        for name, status in (event.corridor or {}).items():
            self.corridors[name]["status"] = status

    # -- recording -----------------------------------------------------------------------
    def level(self, strength: float) -> int:
        t = self.thresholds
        if strength <= t["hostile"]:
            return 0
        if strength <= t["rival"]:
            return 1
        if strength < t["partner"]:
            return 2
        if strength < t["alliance"]:
            return 3
        return 4

    def record(self) -> None:
        """One row per pair: strength and level, as the engine's ties table."""
        for i, a in enumerate(self.states):
            for b in self.states[i + 1 :]:
                strength = a.tie(b.name)
                level = self.level(strength)
                key = (a.name, b.name)
                run = self.alliance_steps.get(key, 0) + 1 if level == 4 else 0
                self.alliance_steps[key] = run
                if run >= self.params["alliance_after"]:
                    level = 5
                row = {"step": self.steps, "source": a.name, "target": b.name,
                       "strength": strength, "level": LEVELS[level]}  # fmt: skip
                self.datacollector.add_table_row("ties", row)


def run(scenario: Any, seed: int | None = None, steps: int | None = None) -> NaiveModel:
    """Run the naive model for ``steps`` steps (default: the scenario's)."""
    model = NaiveModel(scenario, seed=seed)
    for _ in range(scenario.steps if steps is None else steps):
        model.step()
    return model
