"""Per-step records of a run, kept in preallocated arrays and turned into tables once.

Writing rows one by one into pandas each step would dominate a run's cost; the recorder
fills numpy arrays instead (growing them by doubling only when a model is stepped past its
planned length, as the interactive page does) and builds DataFrames at the end.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from alignsim.model.active import presence_over
from alignsim.model.eventlog import EventLog, attribution_columns, part_columns
from alignsim.model.metrics import LEVELS


class ThinnedRecordingError(ValueError):
    """A reader needs every step of every pair, and the run recorded fewer."""


#: Recorded steps whose metrics wait to be computed together (bounds the memory they need).
METRICS_BATCH = 64
#: Metrics made from the blocs: not kept by a run that does not find blocs.
BLOC_METRICS = ("blocs", "unaligned", "frustration", "polarization")


class Recorder:
    """Collects ties, state vectors, blocs, metrics and event rows for steps 0..S.

    By default every step and every pair is kept. ``every`` keeps steps 0, K, 2K, … and the
    last planned step; ``pairs`` keeps the ties of those pair columns only (in upper-triangle
    order). Events are always kept in full. Metrics describe the whole network even when only
    some pairs are kept: they are computed, a batch of recorded steps at a time, from full
    rows held until then. ``blocs=False``: the model does not find blocs; their ids stay 0
    and the metrics made from them (``BLOC_METRICS``) are not kept.
    """

    def __init__(
        self,
        n: int,
        k: int,
        capacity: int,
        *,
        every: int = 1,
        pairs: np.ndarray | None = None,
        blocs: bool = True,
    ) -> None:
        if every < 1:
            raise ValueError(f"every must be >= 1, got {every}")
        self.n, self.k = n, k
        self.upper = np.triu_indices(n, 1)
        self._flat_upper = self.upper[0] * n + self.upper[1]  # the same, in a raveled matrix
        self.every = int(every)
        self.blocs_found = bool(blocs)
        self.pairs = None if pairs is None else np.asarray(pairs, dtype=np.intp)
        self.planned = max(capacity, 0)
        width = len(self.upper[0]) if self.pairs is None else self.pairs.size
        rows = recorded_rows(self.planned, self.every)
        self.strength = np.zeros((rows, width))
        self.level = np.zeros((rows, width), dtype=np.int8)
        self.stances = np.zeros((rows, n, k))
        self.salience = np.zeros((rows, n, k))
        self.power = np.zeros((rows, n))
        self.bloc = np.zeros((rows, n), dtype=np.int32)
        self.steps: list[int] = []  # the step of each row
        self._metrics: dict[str, np.ndarray] = {}
        #: Computes metrics from full (R, P) strength and level rows, (R, N) blocs and the
        #: rows' (R,) steps.
        self.compute_metrics: Callable[..., dict[str, np.ndarray]] | None = None
        self._pending: list[int] = []  # rows whose metrics are not computed yet
        self._pending_full: list[tuple[np.ndarray, np.ndarray]] = []
        self.events = EventLog([], [])
        self.last_step = -1

    @property
    def complete(self) -> bool:
        """Every step and every pair recorded."""
        return self.every == 1 and self.pairs is None

    def wants(self, step: int) -> bool:
        """Whether ``step`` is one of the recorded steps."""
        return step % self.every == 0 or step == self.planned

    @property
    def metrics(self) -> dict[str, np.ndarray]:
        """Per-row metrics by name; those of rows recorded since the last read are computed
        on reading, all together (see ``metrics.recorded_metrics``)."""
        self._flush()
        return self._metrics

    def _flush(self) -> None:
        if not self._pending or self.compute_metrics is None:
            return
        rows = np.array(self._pending)
        if self.pairs is None:
            strength, level = self.strength[rows], self.level[rows]
        else:
            strength = np.array([full for full, _ in self._pending_full])
            level = np.array([codes for _, codes in self._pending_full])
        self._pending, self._pending_full = [], []
        steps = np.array(self.steps, dtype=np.int64)[rows]
        for name, values in self.compute_metrics(strength, level, self.bloc[rows], steps).items():
            if self.blocs_found or name not in BLOC_METRICS:
                self.metric_column(name)[rows] = values

    def metric_column(self, name: str) -> np.ndarray:
        if name not in self._metrics:
            self._metrics[name] = np.zeros(self.strength.shape[0])
        return self._metrics[name]

    def _ensure(self, row: int) -> None:
        capacity = self.strength.shape[0]
        if row < capacity:
            return
        grow = max(row + 1, 2 * capacity)
        for name in ("strength", "level", "stances", "salience", "power", "bloc"):
            old = getattr(self, name)
            new = np.zeros((grow, *old.shape[1:]), dtype=old.dtype)
            new[:capacity] = old
            setattr(self, name, new)
        for name, old in self._metrics.items():
            new = np.zeros(grow)
            new[:capacity] = old
            self._metrics[name] = new

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
        metrics: dict[str, float] | None = None,
    ) -> None:
        """Store one recorded step; without ``metrics`` they are computed when first read."""
        if self.steps and step <= self.steps[-1]:
            raise ValueError(f"step {step} recorded after step {self.steps[-1]}")
        row = len(self.steps)
        self._ensure(row)
        self.steps.append(step)
        if self.pairs is None:
            ties.reshape(-1).take(self._flat_upper, out=self.strength[row])
            levels.reshape(-1).take(self._flat_upper, out=self.level[row])
        else:
            strength = ties.reshape(-1).take(self._flat_upper)
            codes = levels.reshape(-1).take(self._flat_upper)
            strength.take(self.pairs, out=self.strength[row])
            codes.take(self.pairs, out=self.level[row])
        self.stances[row] = stances
        self.salience[row] = salience
        self.power[row] = power
        self.bloc[row] = blocs
        if metrics is None:
            self._pending.append(row)
            if self.pairs is not None:
                self._pending_full.append((strength, codes))
            if len(self._pending) >= METRICS_BATCH:
                self._flush()
        else:
            for name, value in metrics.items():
                self.metric_column(name)[row] = value
        self.last_step = step

    @property
    def last_row(self) -> int:
        return len(self.steps) - 1

    def snapshot(self) -> Recorder:
        """A copy of the rows recorded so far, metrics computed, that stepping on leaves alone.

        The interactive page draws while its model steps in another thread; a view of the live
        arrays, event log and pending metrics could mix two steps or lose a row.
        """
        self._flush()
        copied = copy.copy(self)
        rows = len(self.steps)
        for name in ("strength", "level", "stances", "salience", "power", "bloc"):
            setattr(copied, name, getattr(self, name)[:rows].copy())
        copied._metrics = {name: values[:rows].copy() for name, values in self._metrics.items()}
        copied.steps = list(self.steps)
        copied._pending, copied._pending_full = [], []
        copied.events = self.events.copy()
        return copied


def watched_columns(scenario: Any, names: list[str]) -> np.ndarray:
    """Upper-triangle columns of the pairs and triangle sides the scenario watches, sorted."""
    index = {name: i for i, name in enumerate(names)}
    columns = {
        _pair_column(len(names), *sorted((index[a], index[b]))) for a, b in scenario.watched_ties()
    }
    return np.array(sorted(columns), dtype=np.intp)


def with_pairs(
    columns: np.ndarray, names: list[str], pairs: Iterable[tuple[str, str]]
) -> np.ndarray:
    """``columns`` and those of ``pairs`` (state names, either order), sorted, once each."""
    index = {name: i for i, name in enumerate(names)}
    extra = {_pair_column(len(names), *sorted((index[a], index[b]))) for a, b in pairs}
    if not extra:
        return columns
    return np.array(sorted(extra.union(columns.tolist())), dtype=np.intp)


def recorded_rows(steps: int, every: int) -> int:
    """How many rows steps 0..``steps`` take when every ``every``-th and the last are kept."""
    steps = max(steps, 0)
    return steps // every + 1 + (1 if steps % every else 0)


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
    _positions: dict[str, int] = field(default_factory=dict, init=False, repr=False,
                                       compare=False)  # fmt: skip

    @property
    def pairs(self) -> list[tuple[str, str]]:
        """The pairs whose ties were recorded, in table order."""
        rows, cols = self.recorder.upper
        if self.recorder.pairs is not None:
            rows, cols = rows[self.recorder.pairs], cols[self.recorder.pairs]
        return [(self.names[i], self.names[j]) for i, j in zip(rows, cols, strict=True)]

    @property
    def complete(self) -> bool:
        """Every step and every pair recorded (the default)."""
        return self.recorder.complete

    @property
    def recorded_steps(self) -> np.ndarray:
        """The step of each recorded row (0..steps unless recording was thinned)."""
        return np.array([s for s in self.recorder.steps if s <= self.steps], dtype=np.int64)

    def recording(self) -> str:
        """How ties were recorded, in the words of the command line options."""
        rec = self.recorder
        parts = []
        if rec.every > 1:
            parts.append(f"every {rec.every} steps (--record-every {rec.every})")
        if rec.pairs is not None:
            parts.insert(0, "of watched pairs only (--record watched)")
        return " and ".join(parts) or "every step of every pair"

    def require_complete(self, what: str) -> None:
        """Raise ``ThinnedRecordingError`` unless every step of every pair was recorded."""
        if not self.complete:
            raise ThinnedRecordingError(
                f"{what} needs every step of every pair, and this run recorded ties "
                f"{self.recording()}; re-run it without --record-every and --record to use it"
            )

    def present(self) -> np.ndarray | None:
        """Which states are in the world at each recorded row, (R, N) bool; None when every
        state is there throughout (a scenario without ``states.X.active``)."""
        return presence_over(self.scenario, self.names, self.recorded_steps)

    def pairs_present(self) -> np.ndarray | None:
        """Which recorded pairs have both states in the world at each row, (R, P) bool; None
        when every state is there throughout."""
        there = self.present()
        if there is None:
            return None
        rows, cols = self.recorder.upper
        if self.recorder.pairs is not None:
            rows, cols = rows[self.recorder.pairs], cols[self.recorder.pairs]
        return there[:, rows] & there[:, cols]

    def date_of_row(self, row: int) -> str:
        """The date (or step label) of a recorded row."""
        return self.dates[int(self.recorded_steps[row])]

    def _rows(self) -> int:
        return len(self.recorded_steps)

    def tie_matrix(self, step: int) -> np.ndarray:
        """The full symmetric tie matrix at ``step`` (a recorded step of every pair)."""
        if self.recorder.pairs is not None:
            self.require_complete("the tie matrix")
        row = self._row_of(step)
        matrix = np.zeros((len(self.names), len(self.names)))
        matrix[self.recorder.upper] = self.recorder.strength[row]
        return matrix + matrix.T

    def _row_of(self, step: int) -> int:
        rows = np.flatnonzero(self.recorded_steps == step)
        if rows.size == 0:
            raise ThinnedRecordingError(
                f"step {step} was not recorded (ties recorded {self.recording()})"
            )
        return int(rows[0])

    def _column(self, a: str, b: str) -> int:
        """The pair's column in the recorded arrays: a binary search among the recorded
        pairs (sorted), so that reading thousands of pairs stays linear in them."""
        if a == b:
            raise ValueError(f"a pair needs two different states, got {a!r} twice")
        index = self._index()
        for name in (a, b):
            if name not in index:
                raise ValueError(f"{name!r} is not a state of this run")
        i, j = sorted((index[a], index[b]))
        column = _pair_column(len(self.names), i, j)
        kept = self.recorder.pairs
        if kept is None:
            return column
        position = int(np.searchsorted(kept, column))
        if position == kept.size or kept[position] != column:
            raise ThinnedRecordingError(
                f"the tie {a}–{b} was not recorded (this run recorded watched pairs only; "
                "re-run with --record all, or watch the pair in the scenario)"
            )
        return position

    def _index(self) -> dict[str, int]:
        """State name → its position (built once; ``names.index`` is linear)."""
        if len(self._positions) != len(self.names):
            self._positions = {name: k for k, name in enumerate(self.names)}
        return self._positions

    def level_codes(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """Level codes (index into ``LEVELS``) of ``pairs`` at every recorded step: steps ×
        pairs, read at once rather than pair by pair."""
        columns = [self._column(a, b) for a, b in pairs]
        return self.recorder.level[: self._rows(), columns]

    def strength(self, a: str, b: str) -> np.ndarray:
        """Tie strength of a pair at every recorded step (every step by default)."""
        column = self._column(a, b)
        return self.recorder.strength[: self._rows(), column]

    def levels(self, a: str, b: str) -> list[str]:
        column = self._column(a, b)
        return [LEVELS[c] for c in self.recorder.level[: self._rows(), column]]

    def metric(self, name: str) -> np.ndarray:
        metrics = self.recorder.metrics
        if name not in metrics and name in BLOC_METRICS and not self.recorder.blocs_found:
            raise ThinnedRecordingError(f"{name} needs the blocs, and this run did not find them")
        return metrics[name][: self._rows()]

    def ties_frame(self) -> pd.DataFrame:
        rec, steps = self.recorder, self.recorded_steps
        s = steps.size
        rows, cols = rec.upper
        if rec.pairs is not None:
            rows, cols = rows[rec.pairs], cols[rec.pairs]
        pairs = rows.size
        names = np.array(self.names, dtype=object)
        dates = np.array(self.dates, dtype=object)[steps]
        return pd.DataFrame(
            {
                "step": np.repeat(steps, pairs),
                "date": np.repeat(dates, pairs),
                "source": np.tile(names[rows], s),
                "target": np.tile(names[cols], s),
                "strength": rec.strength[:s].ravel(),
                "level": np.array(LEVELS, dtype=object)[rec.level[:s].ravel()],
            }
        )

    def states_frame(self) -> pd.DataFrame:
        rec, steps, n = self.recorder, self.recorded_steps, len(self.names)
        s = steps.size
        data: dict[str, Any] = {
            "step": np.repeat(steps, n),
            "date": np.repeat(np.array(self.dates, dtype=object)[steps], n),
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
        steps = self.recorded_steps
        s = steps.size
        data: dict[str, Any] = {"step": steps, "date": [self.dates[t] for t in steps]}
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
        """events.csv: one row per scenario event, formal alliance and level crossing."""
        events = self.recorder.events
        columns = part_columns(self.part_names) + attribution_columns(self.part_names)
        if not isinstance(events, EventLog) or events.parts != columns:
            events = EventLog(self.names, self.part_names, rows=list(events))
        return events.frame()


def _pair_column(n: int, i: int, j: int) -> int:
    """Index of pair (i, j), i < j, in numpy's row-major upper-triangle order."""
    return i * n - i * (i + 1) // 2 + (j - i - 1)
