"""Per-step records of a run, kept in preallocated arrays and turned into tables once.

Writing rows one by one into pandas each step would dominate a run's cost; the recorder
fills numpy arrays instead (growing them by doubling only when a model is stepped past its
planned length, as the interactive page does) and builds DataFrames at the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from alignsim.model.metrics import LEVELS


def table_bytes(n: int, k: int, steps: int) -> int:
    """Bytes the recorder's arrays take for ``steps`` steps of ``n`` states on ``k`` dimensions.

    Per step: strength (8) and level (1) per pair, stance and salience (8 + 8) per state and
    dimension, power (8) and bloc (4) per state; metrics and events are small beside them.
    """
    pairs = n * (n - 1) // 2
    return (max(steps, 0) + 1) * (9 * pairs + 16 * n * k + 12 * n)


class Recorder:
    """Collects ties, state vectors, blocs, metrics and event rows for steps 0..S."""

    def __init__(self, n: int, k: int, capacity: int) -> None:
        self.n, self.k = n, k
        self.upper = np.triu_indices(n, 1)
        pairs = len(self.upper[0])
        capacity = max(capacity, 0) + 1
        self.strength = np.zeros((capacity, pairs))
        self.level = np.zeros((capacity, pairs), dtype=np.int8)
        self.stances = np.zeros((capacity, n, k))
        self.salience = np.zeros((capacity, n, k))
        self.power = np.zeros((capacity, n))
        self.bloc = np.zeros((capacity, n), dtype=np.int32)
        self.metrics: dict[str, np.ndarray] = {}
        self.events: list[dict[str, Any]] = []
        self.last_step = -1

    def _ensure(self, step: int) -> None:
        capacity = self.strength.shape[0]
        if step < capacity:
            return
        grow = max(step + 1, 2 * capacity)
        for name in ("strength", "level", "stances", "salience", "power", "bloc"):
            old = getattr(self, name)
            new = np.zeros((grow, *old.shape[1:]), dtype=old.dtype)
            new[:capacity] = old
            setattr(self, name, new)
        for name, old in self.metrics.items():
            new = np.zeros(grow)
            new[:capacity] = old
            self.metrics[name] = new

    def record(
        self,
        step: int,
        *,
        ties: np.ndarray,
        levels: np.ndarray,
        stances: np.ndarray,
        salience: np.ndarray,
        power: np.ndarray,
        blocs: np.ndarray,
        metrics: dict[str, float],
    ) -> None:
        self._ensure(step)
        self.strength[step] = ties[self.upper]
        self.level[step] = levels[self.upper]
        self.stances[step] = stances
        self.salience[step] = salience
        self.power[step] = power
        self.bloc[step] = blocs
        for name, value in metrics.items():
            if name not in self.metrics:
                self.metrics[name] = np.zeros(self.strength.shape[0])
            self.metrics[name][step] = value
        self.last_step = step


@dataclass
class Result:
    """Everything one run produced, with the tables of the run folder (README, "Using it")."""

    scenario: Any
    seed: int
    steps: int
    names: list[str]
    dimensions: list[str]
    dates: list[str]
    part_names: list[str]
    recorder: Recorder
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def pairs(self) -> list[tuple[str, str]]:
        rows, cols = self.recorder.upper
        return [(self.names[i], self.names[j]) for i, j in zip(rows, cols, strict=True)]

    def tie_matrix(self, step: int) -> np.ndarray:
        """The full symmetric tie matrix at ``step``."""
        matrix = np.zeros((len(self.names), len(self.names)))
        matrix[self.recorder.upper] = self.recorder.strength[step]
        return matrix + matrix.T

    def _column(self, a: str, b: str) -> int:
        if a == b:
            raise ValueError(f"a pair needs two different states, got {a!r} twice")
        i, j = sorted((self.names.index(a), self.names.index(b)))
        return _pair_column(len(self.names), i, j)

    def strength(self, a: str, b: str) -> np.ndarray:
        """Tie strength of a pair at every step."""
        column = self._column(a, b)
        return self.recorder.strength[: self.steps + 1, column]

    def levels(self, a: str, b: str) -> list[str]:
        column = self._column(a, b)
        return [LEVELS[c] for c in self.recorder.level[: self.steps + 1, column]]

    def metric(self, name: str) -> np.ndarray:
        return self.recorder.metrics[name][: self.steps + 1]

    def ties_frame(self) -> pd.DataFrame:
        rec, s = self.recorder, self.steps + 1
        pairs = len(rec.upper[0])
        rows, cols = rec.upper
        names = np.array(self.names, dtype=object)
        return pd.DataFrame(
            {
                "step": np.repeat(np.arange(s), pairs),
                "date": np.repeat(np.array(self.dates, dtype=object), pairs),
                "source": np.tile(names[rows], s),
                "target": np.tile(names[cols], s),
                "strength": rec.strength[:s].ravel(),
                "level": np.array(LEVELS, dtype=object)[rec.level[:s].ravel()],
            }
        )

    def states_frame(self) -> pd.DataFrame:
        rec, s, n = self.recorder, self.steps + 1, len(self.names)
        data: dict[str, Any] = {
            "step": np.repeat(np.arange(s), n),
            "date": np.repeat(np.array(self.dates, dtype=object), n),
            "state": np.tile(np.array(self.names, dtype=object), s),
        }
        for d, dim in enumerate(self.dimensions):
            data[dim] = rec.stances[:s, :, d].ravel()
        for d, dim in enumerate(self.dimensions):
            data[f"salience.{dim}"] = rec.salience[:s, :, d].ravel()
        data["power"] = rec.power[:s].ravel()
        data["bloc"] = rec.bloc[:s].ravel()
        return pd.DataFrame(data)

    def metrics_frame(self) -> pd.DataFrame:
        s = self.steps + 1
        data: dict[str, Any] = {"step": np.arange(s), "date": self.dates[:s]}
        for name, values in self.recorder.metrics.items():
            column = values[:s]
            is_count = name.startswith(("count.", "closed_triads", "blocs", "unaligned"))
            data[name] = (
                column.astype(np.int64)
                if is_count or name.endswith((".formed", ".alliance"))
                else column
            )
        return pd.DataFrame(data)

    def events_frame(self) -> pd.DataFrame:
        base = ["step", "date", "kind", "subject", "detail", "effect", "cause",
                "strength_before", "strength_after"]  # fmt: skip
        parts = [
            f"{side}.{p}"
            for side in ("payoff_ab", "payoff_ba")
            for p in ["total", *self.part_names]
        ]
        frame = pd.DataFrame(self.recorder.events, columns=base + parts)
        numeric = ["strength_before", "strength_after", *parts]
        frame[numeric] = frame[numeric].astype(float)
        return frame


def _pair_column(n: int, i: int, j: int) -> int:
    """Index of pair (i, j), i < j, in numpy's row-major upper-triangle order."""
    return i * n - i * (i + 1) // 2 + (j - i - 1)
