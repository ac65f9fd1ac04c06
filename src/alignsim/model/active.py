"""States that enter and leave the world (``states.X.active`` in a scenario, docs/ODD.md).

A scenario of real history has states that are not there all along: new states appear with
decolonisation, others are absent for a while. Outside its active periods a state holds no
ties: they are 0 and stay 0, the tie rule leaves them alone, and metrics and blocs leave it
out. Its stances, salience, power and history still change by events, and matter again
when it comes back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: (first, last) steps of one period, both included; last None: to the end.
Period = tuple[int, int | None]


@dataclass(frozen=True)
class Presence:
    """When each state of a world is active: its periods of steps, by state index.

    ``periods[i]`` is empty for a state that is active throughout. The masks are computed
    from the periods on demand, so a model may be stepped past its planned steps.
    """

    periods: tuple[tuple[Period, ...], ...]
    #: The steps at which some state enters or leaves (a period starts, or one ended before).
    changes: frozenset[int] = field(init=False)

    def __post_init__(self) -> None:
        steps = set()
        for periods in self.periods:
            for first, last in periods:
                if first > 0:
                    steps.add(first)
                if last is not None:
                    steps.add(last + 1)
        object.__setattr__(self, "changes", frozenset(steps))

    @classmethod
    def of(cls, scenario: Any, names: list[str]) -> Presence | None:
        """The presence of ``scenario``'s states in ``names`` order; None when every state is
        active throughout (the model then takes no step of its own for it)."""
        given = scenario.active_steps()
        periods = tuple(tuple(given.get(name, ())) for name in names)
        if all(_throughout(p) for p in periods):
            return None
        return cls(periods)

    @property
    def n(self) -> int:
        return len(self.periods)

    def at(self, step: int) -> np.ndarray:
        """Which states are active at ``step``, (N,) bool."""
        return self.over(np.array([step]))[0]

    def over(self, steps: np.ndarray) -> np.ndarray:
        """Which states are active at each of ``steps``, (S, N) bool."""
        steps = np.asarray(steps, dtype=np.int64)
        out = np.ones((steps.size, self.n), dtype=bool)
        for i, periods in enumerate(self.periods):
            if not periods:
                continue
            inside = np.zeros(steps.size, dtype=bool)
            for first, last in periods:
                inside |= (steps >= first) & (steps <= (np.iinfo(np.int64).max if last is None
                                                        else last))  # fmt: skip
            out[:, i] = inside
        return out


def _throughout(periods: tuple[Period, ...]) -> bool:
    return not periods or any(first <= 0 and last is None for first, last in periods)


def presence_over(scenario: Any, names: list[str], steps: np.ndarray) -> np.ndarray | None:
    """Which of ``names`` are active at each of ``steps`` in ``scenario``, (S, N) bool; None
    when every state is active throughout (so readers can skip the masking)."""
    presence = Presence.of(scenario, names)
    return None if presence is None else presence.over(steps)


def without_inactive(ties: np.ndarray, active: np.ndarray | None) -> np.ndarray:
    """Zero the rows and columns of inactive states of ``ties`` in place; returns it."""
    if active is not None and not active.all():
        out = ~active
        ties[out, :] = 0.0
        ties[:, out] = 0.0
    return ties
