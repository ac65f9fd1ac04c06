"""Scheduled and stochastic scenario events, applied at the start of their step.

An event is data (the scenario's ``events`` list); this module turns it into a schedule of
steps and applies its actions to the world's arrays. A stochastic event draws one uniform
number per step of its window from a generator of its own, seeded from the run's seed and
the event's id: a seed fixes which events fire, and changing one event's window or
probability (a counterfactual) leaves the other events' draws and the payoff noise alone.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from alignsim.model.world import World
from alignsim.scenario.schema import MAX_POWER

if TYPE_CHECKING:
    from alignsim.scenario import Scenario

POWER_FLOOR = 1e-6
#: The schema's largest power; a shift never takes a state's power beyond it.
POWER_CEILING = MAX_POWER


@dataclass(frozen=True)
class ScheduledEvent:
    """A scenario event with its resolved window of steps (inclusive)."""

    position: int
    label: str
    first: int
    last: int
    probability: float
    spec: Any
    rng: np.random.Generator | None = None

    @property
    def note(self) -> str:
        return self.spec.note or self.label


def plan(scenario: Scenario) -> list[ScheduledEvent]:
    """The scenario's events with their windows of steps, without generators: the part of a
    schedule that does not depend on the seed (computed once for many runs)."""
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


def schedule(
    scenario: Scenario, seed: int, planned: list[ScheduledEvent] | None = None
) -> list[ScheduledEvent]:
    """The events of one run: ``plan``, with a generator of its own for each stochastic event."""
    out = []
    for event in plan(scenario) if planned is None else planned:
        if event.probability < 1.0:
            event = replace(event, rng=_event_generator(seed, event.label))
        out.append(event)
    return out


def _event_generator(seed: int, label: str) -> np.random.Generator:
    """A generator for one event, from the run's seed and the event's label (its id)."""
    return np.random.default_rng([zlib.crc32(label.encode("utf-8")), int(seed) & 0xFFFFFFFF,
                                  int(seed) >> 32])  # fmt: skip


def due(events: list[ScheduledEvent], step: int) -> list[ScheduledEvent]:
    """Events that fire at ``step``, in file order; stochastic ones draw once per step."""
    fired = []
    for event in events:
        if not event.first <= step <= event.last:
            continue
        if event.rng is None or event.rng.random() < event.probability:
            fired.append(event)
    return fired


def apply(event: ScheduledEvent, world: World) -> list[str]:
    """Apply every action of one event; return a short description of each change."""
    spec = event.spec
    done: list[str] = []
    if spec.set:
        done += _change_vectors(world, world.stances, spec.set, shift=False, low=-1.0)
    if spec.shift:
        done += _change_vectors(world, world.stances, spec.shift, shift=True, low=-1.0)
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
                world.power[i] = min(max(POWER_FLOOR, new), POWER_CEILING)
                done.append(f"power {state} {_amount(value, shift=mode == 'shift')}")
    for change in spec.tie or []:  # the schema turns a single change into a list
        done.append("tie " + _change_pair(world, world.ties, change))
    for change in spec.relation or []:
        done.append("relation " + _change_pair(world, world.relations, change))
    if spec.param:
        for mode in ("set", "shift"):
            for name, value in (getattr(spec.param, mode, None) or {}).items():
                old = world.params[name]
                world.params[name] = old + value if mode == "shift" else value
                done.append(f"{name} {old:g} → {world.params[name]:g}")
        _check_params(world)
        world.corridors_changed()  # planned_boost_share enters the corridor factors
    if spec.corridor:
        for name, status in spec.corridor.items():
            done.append(f"{name} {world.corridors[name].status} → {status}")
            world.corridors[name].status = status
        world.corridors_changed()
    return done


class EventError(ValueError):
    """An event would put the world outside what the scenario schema allows.

    ``position`` is the event's index in the scenario's ``events`` (when known) and
    ``detail`` the message without the event's name, for messages that locate it themselves.
    """

    def __init__(self, message: str, position: int | None = None, detail: str | None = None):
        super().__init__(message)
        self.position = position
        self.detail = message if detail is None else detail


def _check_params(world: World) -> None:
    """Parameters after an event must still satisfy the schema (shifts can't be checked
    before the run, since they add to whatever value the parameter has by then)."""
    from pydantic import ValidationError

    from alignsim.scenario.schema import Params

    try:
        Params.model_validate({**world.params, "thresholds": world.thresholds})
    except ValidationError as error:
        first = error.errors()[0]
        name = ".".join(str(part) for part in first["loc"])
        raise EventError(f"params.{name} would become {first['input']!r}: {first['msg']}") from None
    if world.params["break_threshold"] >= world.params["form_threshold"]:
        raise EventError(
            f"params.break_threshold ({world.params['break_threshold']:g}) would no longer be "
            f"below params.form_threshold ({world.params['form_threshold']:g})"
        )


def _amount(value: float, *, shift: bool) -> str:
    return f"{value:+g}" if shift else f"= {value:g}"


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
            new = float(array[i, d]) + value if shift else value
            array[i, d] = _clip(new, low, 1.0)
            done.append(f"{what}{state}.{dim} {_amount(value, shift=shift)}")
    return done


def _change_pair(world: World, matrix: np.ndarray, change: Any) -> str:
    a, b = change.between
    i, j = world.index[a], world.index[b]
    if change.set is not None:
        value = change.set
        text = f"= {value:g}"
    else:
        value = float(matrix[i, j]) + change.shift
        text = f"{change.shift:+g}"
    matrix[i, j] = matrix[j, i] = _clip(value, -1.0, 1.0)
    return f"{a}–{b} {text}"


def _clip(value: float, low: float, high: float) -> float:
    """``np.clip`` of one number (NaN stays NaN), without an array's overhead."""
    return min(max(value, low), high)
