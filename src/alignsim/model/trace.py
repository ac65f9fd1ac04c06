"""Payoff parts of chosen pairs at every step, for explanations and comparisons.

Recording every part of every pair each step would cost N²·P numbers per step; a trace keeps
them for the few pairs someone asked about, from the revision that last set the tie in
each step (under random activation both sides' activations revise a pair; the later one
sets the tie the step ends with).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class PairTrace:
    """Parts of U_ab and U_ba (and the payoffs the rule used) per step, for a < b, the
    strength their mutual payoff sustains (what the revision moved the tie toward) and the
    tie the revision started from."""

    a: str
    b: str
    part_names: list[str]
    rows: dict[int, tuple[np.ndarray, np.ndarray, float, float, float, float]] = field(
        default_factory=dict
    )

    def store(
        self,
        step: int,
        ab: np.ndarray,
        ba: np.ndarray,
        total_ab: float,
        total_ba: float,
        *,
        sustained: float = float("nan"),
        before: float = float("nan"),
    ) -> None:
        self.rows[step] = (
            ab,
            ba,
            float(total_ab),
            float(total_ba),
            float(sustained),
            float(before),
        )

    def until(self, step: int) -> PairTrace:
        """A frozen copy of the rows up to ``step``.

        A model being stepped in another thread (the interactive page) keeps adding rows;
        readers take this copy so that steps, parts and totals describe the same steps.
        """
        rows = dict(self.rows)  # one C-level copy: no row is added halfway through it
        kept = {s: row for s, row in rows.items() if s <= step}
        return PairTrace(self.a, self.b, list(self.part_names), kept)

    @property
    def steps(self) -> np.ndarray:
        return np.array(sorted(self.rows), dtype=int)

    def parts(self, direction: str) -> np.ndarray:
        """(steps, P) parts of U_ab (``"ab"``) or U_ba (``"ba"``), in step order."""
        side = 0 if direction == "ab" else 1
        if not self.rows:
            return np.zeros((0, len(self.part_names)))
        return np.array([self.rows[s][side] for s in sorted(self.rows)])

    def totals(self, direction: str) -> np.ndarray:
        side = 2 if direction == "ab" else 3
        return np.array([self.rows[s][side] for s in sorted(self.rows)])

    def sustained(self) -> np.ndarray:
        """The strength the mutual payoff sustained at each step, in step order."""
        return np.array([self.rows[s][4] for s in sorted(self.rows)])

    def before(self) -> np.ndarray:
        """The tie each step's revision started from (after that step's events)."""
        return np.array([self.rows[s][5] for s in sorted(self.rows)])
