"""The rows of events.csv: scenario events, formal alliances and level crossings, in order.

With noise, ties near a threshold cross it back and forth, and a world of 200 states logs
tens of thousands of crossings in a hundred steps. Building a Python dictionary for each as
it happens cost more than the whole tie update, so crossings are kept as arrays, a block per
step, and the table is built from those columns at the end. Reading the log as rows (a list
of dictionaries, as the analysis code does) builds the dictionaries once, on first read.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd

from alignsim.model.metrics import LEVELS

#: Kinds of level crossing, by the level boundary crossed (upward, downward).
CROSSINGS = {
    1: ("hostility_ended", "hostile"),
    2: ("rivalry_ended", "rival"),
    3: ("formed", "broken"),
    4: ("alliance", "alliance_ended"),
}
BASE_COLUMNS = ["step", "date", "kind", "subject", "detail", "effect", "cause",
                "strength_before", "strength_after"]  # fmt: skip
_KINDS = np.array([[""] * 2] + [list(CROSSINGS[b]) for b in sorted(CROSSINGS)], dtype=object)
_DETAILS = np.array(
    [[f"{before} → {after}" for after in LEVELS] for before in LEVELS], dtype=object
)


def part_columns(part_names: Sequence[str]) -> list[str]:
    """The payoff columns of events.csv: total and parts of U_ab, then of U_ba."""
    return [f"{side}.{p}" for side in ("payoff_ab", "payoff_ba") for p in ["total", *part_names]]


#: The step whose payoff a crossing is measured against (an integer column).
REFERENCE_STEP = "reference_step"


def attribution_columns(part_names: Sequence[str]) -> list[str]:
    """The columns that explain a crossing by the tie rule (``analysis/drivers.py``).

    ``sustained``: the strength the payoff sustains (the rule moves the tie toward it);
    ``reference_step``: when the tie entered the level it is leaving (0: the start);
    ``reference.sustained``: what the payoff of that step sustains for the tie as it was
    before this move; ``reference.total`` and ``reference.<part>``: that payoff's parts, of
    the cooler side (the mutual payoff M = min(U_ab, U_ba)).
    """
    return ["sustained", REFERENCE_STEP, "reference.sustained",
            *[f"reference.{p}" for p in ["total", *part_names]]]  # fmt: skip


class _Crossings:
    """Level crossings as columns, one row per level boundary crossed.

    Built from the arrays the model logged, step by step (``EventLog.add_crossings``), all at
    once: a few dozen array operations for the whole run rather than for every step.
    """

    def __init__(self, blocks: list[tuple]) -> None:
        (steps, dates, i, j, code_before, code_after, before, after, ij, ji, t_ij, t_ji,
         reference) = (list(column) for column in zip(*blocks, strict=True))  # fmt: skip
        sizes = np.array([len(x) for x in i], dtype=np.intp)
        i, j = np.concatenate(i), np.concatenate(j)
        code_before, code_after = np.concatenate(code_before), np.concatenate(code_after)
        before, after = np.concatenate(before), np.concatenate(after)
        ij, ji = np.concatenate(ij), np.concatenate(ji)
        t_ij, t_ji = np.concatenate(t_ij), np.concatenate(t_ji)
        reference = np.concatenate(reference)
        swap = i > j  # each pair is logged as (a, b) with a < b, U_ab's parts first
        a, b = np.where(swap, j, i), np.where(swap, i, j)
        ab, ba = np.where(swap[:, None], ji, ij), np.where(swap[:, None], ij, ji)
        t_ab, t_ba = np.where(swap, t_ji, t_ij), np.where(swap, t_ij, t_ji)
        lo, hi = np.minimum(code_before, code_after), np.maximum(code_before, code_after)
        count = (hi - lo).astype(np.intp)
        row = np.repeat(np.arange(count.size), count)  # a jump over two levels is two rows
        boundary = lo[row] + 1 + (np.arange(row.size) - np.repeat(np.cumsum(count) - count, count))
        block = np.repeat(np.arange(sizes.size), sizes)[row]
        #: where each logged block's rows end
        self.ends = np.searchsorted(block, np.arange(sizes.size), side="right")
        self.step = np.array(steps, dtype=np.int64)[block]
        self.date = np.array(dates, dtype=object)[block]
        self.a, self.b = a[row], b[row]
        self.code_before, self.code_after = code_before[row], code_after[row]
        self.kind = _KINDS[boundary, (self.code_after < self.code_before).astype(np.intp)]
        self.before, self.after = before[row], after[row]
        #: the numeric columns after the base ones: payoff parts, then the attribution's
        self.parts = np.column_stack([t_ab, ab, t_ba, ba, reference])[row]

    def columns(self, names: np.ndarray, start: int, stop: int) -> dict[str, np.ndarray]:
        """The base columns of rows start..stop."""
        rows = slice(start, stop)
        nothing = np.full(stop - start, None, dtype=object)
        return {
            "step": self.step[rows],
            "date": self.date[rows],
            "kind": self.kind[rows],
            "subject": names[self.a[rows]] + "–" + names[self.b[rows]],
            "detail": _DETAILS[self.code_before[rows], self.code_after[rows]],
            "effect": nothing,
            "cause": nothing,
            "strength_before": self.before[rows],
            "strength_after": self.after[rows],
        }


class _Raw(list):
    """Crossing blocks as the model logged them, not yet turned into columns."""


class EventLog:
    """The event rows of a run in order; a sequence of dictionaries to whoever reads it so.

    ``append`` adds one row (a scenario event, a formal alliance, a crossing an event
    caused); ``add_crossings`` adds a step's crossings caused by the tie rule, as arrays.
    """

    def __init__(
        self, names: Sequence[str], part_names: Sequence[str], rows: list[dict] | None = None
    ) -> None:
        self.names = np.array(list(names), dtype=object)
        self.part_names = list(part_names)
        #: the numeric columns after the base ones: payoff parts, then the attribution's
        self.parts = part_columns(part_names) + attribution_columns(part_names)
        self._segments: list[list[dict[str, Any]] | _Raw | _Slice] = [list(rows)] if rows else []
        self._rows: list[dict[str, Any]] = []
        self._read = 0  # segments already turned into rows
        self._taken = 0  # rows of segment ``_read`` already turned into rows

    # -- writing ----------------------------------------------------------------------
    def append(self, row: dict[str, Any]) -> None:
        if not self._segments or type(self._segments[-1]) is not list:
            self._segments.append([])
        self._segments[-1].append(row)

    def add_crossings(self, step: int, date: str, i, j, code_before, code_after, before, after,
                      ij, ji, total_ij, total_ji, reference) -> None:  # fmt: skip
        """Crossings of pairs (i[c], j[c]) with U_ij's and U_ji's parts (C, P) and totals,
        and the values of ``attribution_columns`` (C, P + 4)."""
        if not self._segments or not isinstance(self._segments[-1], _Raw):
            self._segments.append(_Raw())
        self._segments[-1].append(
            (step, date, i, j, code_before, code_after, before, after, ij, ji, total_ij,
             total_ji, reference)
        )  # fmt: skip

    def _columns(self) -> list[list[dict[str, Any]] | _Raw | _Slice]:
        """The segments, with logged crossings turned into columns."""
        raw = [k for k, segment in enumerate(self._segments) if isinstance(segment, _Raw)]
        if raw:
            built = _Crossings([block for k in raw for block in self._segments[k]])
            start = 0
            for k, end in zip(raw, built.ends[np.cumsum([len(self._segments[k]) for k in raw]) - 1],
                              strict=True):  # fmt: skip
                self._segments[k] = _Slice(built, start, int(end))
                start = int(end)
        return self._segments

    # -- reading ----------------------------------------------------------------------
    def __len__(self) -> int:
        return sum(len(segment) for segment in self._columns())

    def _as_rows(self) -> list[dict[str, Any]]:
        """Every row as a dictionary; segments are converted once, as they are first read."""
        segments = self._columns()
        keys = [*BASE_COLUMNS, *self.parts]
        while self._read < len(segments):
            segment = segments[self._read]
            if type(segment) is list:
                self._rows.extend(segment[self._taken :])
                self._taken = len(segment)
                if self._read == len(segments) - 1:
                    break  # the last list of rows may still grow: read on from _taken
            else:
                columns = segment.columns(self.names)
                numbers = segment.parts().T.tolist()
                at = self.parts.index(REFERENCE_STEP)
                numbers[at] = [int(step) for step in numbers[at]]
                values = zip(*(columns[k].tolist() for k in BASE_COLUMNS), *numbers,
                             strict=True)  # fmt: skip
                self._rows.extend(dict(zip(keys, v, strict=True)) for v in values)
            self._read += 1
            self._taken = 0
        return self._rows

    def copy(self) -> EventLog:
        """The rows so far, in a log of their own that later writes to this one do not touch."""
        return EventLog(self.names, self.part_names, rows=list(self._as_rows()))

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self._as_rows())

    def __getitem__(self, index):
        return self._as_rows()[index]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, EventLog | list):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def frame(self) -> pd.DataFrame:
        """The table of events.csv, built from the columns (numeric columns as floats)."""
        columns = [*BASE_COLUMNS, *self.parts]
        numeric = ["strength_before", "strength_after", *self.parts]
        chunks: dict[str, list[np.ndarray]] = {c: [] for c in columns}
        for segment in self._columns():
            if type(segment) is list:
                for c in columns:
                    values = [row.get(c) for row in segment]
                    if c in numeric:
                        values = [np.nan if v is None else v for v in values]
                        chunks[c].append(np.array(values, dtype=float))
                    elif c == "step":
                        chunks[c].append(np.array(values, dtype=np.int64))
                    else:
                        chunks[c].append(np.array(values, dtype=object))
                continue
            block = segment.columns(self.names)
            for c in BASE_COLUMNS:
                chunks[c].append(block[c])
            for c, values in zip(self.parts, segment.parts().T, strict=True):
                chunks[c].append(values)
        data = {
            c: np.concatenate(parts) if parts else np.array([], dtype=float if c in numeric
                                                            else object)
            for c, parts in chunks.items()
        }  # fmt: skip
        frame = pd.DataFrame(data, columns=columns)
        frame[numeric] = frame[numeric].astype(float)
        frame[REFERENCE_STEP] = frame[REFERENCE_STEP].astype("Int64")  # blank where none
        return frame


class _Slice:
    """Rows start..stop of a batch of crossings: one segment of the log."""

    __slots__ = ("crossings", "start", "stop")

    def __init__(self, crossings: _Crossings, start: int, stop: int) -> None:
        self.crossings, self.start, self.stop = crossings, start, stop

    def __len__(self) -> int:
        return self.stop - self.start

    def columns(self, names: np.ndarray) -> dict[str, np.ndarray]:
        return self.crossings.columns(names, self.start, self.stop)

    def parts(self) -> np.ndarray:
        return self.crossings.parts[self.start : self.stop]
