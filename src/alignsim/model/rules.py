"""Tie rules: how a tie moves given both sides' payoffs (docs/ODD.md).

Cooperation needs both sides and hostility needs only one, so every rule reads the mutual
payoff M_ij = min(U_ij, U_ji). Rules are elementwise, so the same code updates a whole
matrix (simultaneous activation) or one state's row (asynchronous activation).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

RULES: dict[str, type[TieRule]] = {}


def register(cls: type[TieRule]) -> type[TieRule]:
    RULES[cls.name] = cls
    return cls


def mutual(payoff_ij: np.ndarray, payoff_ji: np.ndarray) -> np.ndarray:
    """M_ij = min(U_ij, U_ji): a tie is only as warm as its cooler side."""
    return np.minimum(payoff_ij, payoff_ji)


class TieRule(ABC):
    name: ClassVar[str]

    @abstractmethod
    def update(self, ties: np.ndarray, m: np.ndarray, params: Mapping[str, Any]) -> np.ndarray:
        """New tie strengths in [-1, 1] from current strengths and mutual payoffs."""

    def sustained(self, ties: np.ndarray, m: np.ndarray, params: Mapping[str, Any]) -> np.ndarray:
        """The strength that mutual payoffs ``m`` sustain for ties now at ``ties``.

        A revision moves a tie toward this level; explanations of a move are split into the
        tie's distance from it and what changed it (``analysis/drivers.py``). By default it
        is where one revision puts the tie; a rule that closes only part of the gap at each
        revision says where the gap closes.
        """
        return self.update(ties, m, params)


@register
class RelaxRule(TieRule):
    """T ← T + η·(tanh(κ·M) − T): ties relax toward what the payoffs justify.

    A smooth, bounded adjustment in the tradition of continuous-time balance dynamics
    (Kułakowski et al. 2005; Marvel et al. 2011), discretised with learning rate η.
    """

    name = "relax"

    def sustained(self, ties: np.ndarray, m: np.ndarray, params: Mapping[str, Any]) -> np.ndarray:
        """tanh(κ·M), whatever the tie is now."""
        return np.tanh(float(params["steepness"]) * np.asarray(m, dtype=float))

    def update(self, ties: np.ndarray, m: np.ndarray, params: Mapping[str, Any]) -> np.ndarray:
        eta = float(params["learning_rate"])
        new = np.tanh(float(params["steepness"]) * m)
        new -= ties
        new *= eta
        new += ties
        # np.minimum/np.maximum: the same as np.clip, without its per-call overhead
        return np.minimum(np.maximum(new, -1.0, out=new), 1.0, out=new)


@register
class ThresholdRule(TieRule):
    """Discrete ties with hysteresis: form at M > θ_form, break at M < θ_break.

    Ties take the values −1, 0 and +1. A positive tie forms when M rises above θ_form and
    breaks only when M falls below θ_break < θ_form; hostility mirrors it at −θ_form and
    −θ_break. The gap keeps ties from flickering on noise (cf. Hummon & Doreian 2003).
    """

    name = "threshold"

    def update(self, ties: np.ndarray, m: np.ndarray, params: Mapping[str, Any]) -> np.ndarray:
        form = float(params["form_threshold"])
        brk = float(params["break_threshold"])
        new = np.array(ties, dtype=float, copy=True)
        new[(ties > 0) & (m < brk)] = 0.0
        new[(ties < 0) & (m > -brk)] = 0.0
        new[m > form] = 1.0
        new[m < -form] = -1.0
        return new


def make_rule(name: str) -> TieRule:
    return RULES[name]()
