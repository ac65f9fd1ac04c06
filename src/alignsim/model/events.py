"""Scheduled and stochastic scenario events, applied at the start of their step.

An event is data (the scenario's ``events`` list); this module turns it into a schedule of
steps and applies its actions to the world's arrays. Stochastic events draw one uniform
number per step of their window, in list order, from the model's generator, so a seed fixes
which of them fire.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from alignsim.model.world import World

if TYPE_CHECKING:
    from alignsim.scenario import Scenario

POWER_FLOOR = 1e-6


@dataclass(frozen=True)
class ScheduledEvent:
    """A scenario event with its resolved window of steps (inclusive)."""

    position: int
    label: str
    first: int
    last: int
    probability: float
    spec: Any

    @property
    def note(self) -> str:
        return self.spec.note or self.label


def schedule(scenario: Scenario) -> list[ScheduledEvent]:
    out = []
    for position, event in enumerate(scenario.events):
        first, last = scenario.event_window(event)
        out.append(
            ScheduledEvent(
                position=position,
                label=event.id or f"events.{position}",
                first=first,
                last=last,
                probability=float(event.probability),
                spec=event,
            )
        )
    return out


def due(events: list[ScheduledEvent], step: int, rng: np.random.Generator) -> list[ScheduledEvent]:
    """Events that fire at ``step``; a draw is made only for stochastic events in window."""
    fired = []
    for event in events:
        if not event.first <= step <= event.last:
            continue
        if event.probability >= 1.0 or rng.random() < event.probability:
            fired.append(event)
    return fired


def apply(event: ScheduledEvent, world: World) -> list[str]:
    """Apply every action of one event; return a short description of each change."""
    spec = event.spec
    done: list[str] = []
    if spec.shift:
        done += _change_vectors(world, world.stances, spec.shift, shift=True, low=-1.0)
    if spec.set:
        done += _change_vectors(world, world.stances, spec.set, shift=False, low=-1.0)
    if spec.salience:
        for mode in ("set", "shift"):
            if (values := getattr(spec.salience, mode, None)) is not None:
                done += _change_vectors(
                    world, world.salience, values, shift=mode == "shift", low=0.0, what="salience "
                )
    if spec.power:
        for mode in ("set", "shift"):
            for state, value in (getattr(spec.power, mode, None) or {}).items():
                i = world.index[state]
                new = world.power[i] + value if mode == "shift" else value
                world.power[i] = max(POWER_FLOOR, new)
                done.append(f"power {state} {_amount(value, shift=mode == 'shift')}")
    for change in _as_list(spec.tie):
        done.append("tie " + _change_pair(world, world.ties, change))
    for change in _as_list(spec.relation):
        done.append("relation " + _change_pair(world, world.relations, change))
    if spec.param:
        for mode in ("set", "shift"):
            for name, value in (getattr(spec.param, mode, None) or {}).items():
                old = world.params[name]
                world.params[name] = old + value if mode == "shift" else value
                done.append(f"{name} {old:g} → {world.params[name]:g}")
    if spec.corridor:
        for name, status in spec.corridor.items():
            done.append(f"{name} {world.corridors[name].status} → {status}")
            world.corridors[name].status = status
        world.corridors_changed()
    return done


def _amount(value: float, *, shift: bool) -> str:
    return f"{value:+g}" if shift else f"= {value:g}"


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _change_vectors(
    world: World,
    array: np.ndarray,
    values: dict[str, dict[str, float]],
    *,
    shift: bool,
    low: float,
    what: str = "",
) -> list[str]:
    done = []
    for state, by_dim in values.items():
        i = world.index[state]
        for dim, value in by_dim.items():
            d = world.dimensions.index(dim)
            new = array[i, d] + value if shift else value
            array[i, d] = float(np.clip(new, low, 1.0))
            done.append(f"{what}{state}.{dim} {_amount(value, shift=shift)}")
    return done


def _change_pair(world: World, matrix: np.ndarray, change: Any) -> str:
    a, b = change.between
    i, j = world.index[a], world.index[b]
    if change.set is not None:
        value = change.set
        text = f"= {value:g}"
    else:
        value = matrix[i, j] + change.shift
        text = f"{change.shift:+g}"
    matrix[i, j] = matrix[j, i] = float(np.clip(value, -1.0, 1.0))
    return f"{a}–{b} {text}"
