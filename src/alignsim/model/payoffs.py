"""Payoff terms: what state i gains from a positive tie with j (docs/ODD.md).

Each term is a small class that turns the world's arrays into an N×N matrix (already
multiplied by its weight), registered by name so a modeler can add a term without touching
the engine. The payoff is the sum of the parts, in registry order, so attribution is exact:
``sum(parts) == payoff`` by construction.

Terms whose value depends on the ties (balance) or is drawn afresh at each evaluation
(noise) say so with ``dynamic = True``; the engine recomputes them for every activation under
asynchronous updating and caches the others for the whole step.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

import numpy as np

from alignsim.model.world import World

REGISTRY: dict[str, type[PayoffTerm]] = {}
#: Salience totals below this (subnormal numbers) are rescaled before dividing by them.
_TINY = 1e-300
#: Handed to static terms where a part is computed again: the built-in ones draw nothing.
_NO_DRAWS = np.random.default_rng(0)


def register(cls: type[PayoffTerm]) -> type[PayoffTerm]:
    """Class decorator: make a term available to every model under its ``name``."""
    if cls.name in REGISTRY:
        raise ValueError(f"a payoff term named {cls.name!r} is already registered")
    REGISTRY[cls.name] = cls
    return cls


class PayoffTerm(ABC):
    """One additive part of U_ij."""

    name: ClassVar[str]
    #: The parameter that scales the term (None when it has no weight).
    weight_param: ClassVar[str | None] = None
    #: Recomputed at every activation (depends on ties or draws random numbers).
    dynamic: ClassVar[bool] = False
    #: Draws random numbers: counted as 0 where a payoff is taken before any draw (the start).
    random: ClassVar[bool] = False

    def weight(self, world: World) -> float:
        return 1.0 if self.weight_param is None else float(world.params[self.weight_param])

    def part_names(self, world: World) -> list[str]:
        """Names of the parts this term contributes (one, or one per dimension)."""
        return [self.name]

    @abstractmethod
    def parts(self, world: World, rng: np.random.Generator) -> np.ndarray:
        """The term's parts as an array (P, N, N), weighted, zero diagonal."""

    def row_parts(self, world: World, i: int, rng: np.random.Generator) -> np.ndarray:
        """Parts of row i and column i, shape (P, 2, N): U_i· and U_·i.

        Only dynamic terms are asked; the default computes the full matrix, which a term
        should override when a single row is much cheaper.
        """
        full = self.parts(world, rng)
        return np.stack([full[:, i, :], full[:, :, i]], axis=1)


@register
class InterestTerm(PayoffTerm):
    """α·Σ_k w_ik σ_k a_ik a_jk c_ijk / Σ_k w_ik, one part per dimension.

    Salience-weighted mean agreement (shared dimensions) or complementarity (buyer and
    supplier, boosted by corridors), in the spirit of issue-based affinity scores
    (Signorino & Ritter 1999) applied per dimension so attribution can name the driver.
    """

    name = "interest"
    weight_param = "interest_weight"

    def part_names(self, world: World) -> list[str]:
        return [f"interest.{dim}" for dim in world.dimensions]

    def parts(self, world: World, rng: np.random.Generator) -> np.ndarray:
        salience = world.salience
        total = salience.sum(axis=1)
        vanishing = (total > 0) & (total < _TINY)
        if vanishing.any():  # 1/total would overflow: use the shares of such rows directly
            salience = salience.copy()
            salience[vanishing] /= total[vanishing, None]
            total = salience.sum(axis=1)
        scale = np.divide(
            self.weight(world), total, out=np.zeros_like(total), where=total > 0
        )  # a state that cares about nothing gains nothing
        own = salience * world.sign * world.stances * scale[:, None]  # (N, K)
        parts = np.einsum("ik,jk->kij", own, world.stances) * world.corridor_factor()
        for part in parts:
            np.fill_diagonal(part, 0.0)
        return parts


@register
class BalanceTerm(PayoffTerm):
    """β·B_ij: friend of a friend, enemy of an enemy (Heider 1946; Cartwright & Harary 1956).

    ``paths``: B_ij = Σ_m T_im T_mj / (λ + Σ_m |T_im||T_mj|), the strength-weighted mean sign
    of i's two-step paths to j. ``mean``: Σ_m T_im T_mj / (N−2) (Antal, Krapivsky & Redner
    2005; Marvel et al. 2011). Symmetric whenever T is.
    """

    name = "balance"
    weight_param = "balance_weight"
    dynamic = True

    def parts(self, world: World, rng: np.random.Generator) -> np.ndarray:
        ties = world.ties
        paths = ties @ ties
        b = self.weight(world) * paths / self._norm(world, np.abs(ties) @ np.abs(ties))
        np.fill_diagonal(b, 0.0)
        return b[None]

    def row_parts(self, world: World, i: int, rng: np.random.Generator) -> np.ndarray:
        ties = world.ties
        row = ties[i] @ ties
        row = self.weight(world) * row / self._norm(world, np.abs(ties[i]) @ np.abs(ties))
        row[i] = 0.0
        out = np.empty((1, 2, world.n))
        out[0, 0] = row
        out[0, 1] = row  # B is symmetric: U_·i's balance part equals U_i·'s
        return out

    @staticmethod
    def _norm(world: World, magnitude: np.ndarray) -> np.ndarray | float:
        if world.params["balance_norm"] == "mean":
            return float(max(world.n_active - 2, 1))  # the third states that can be there
        return world.params["balance_floor"] + magnitude


@register
class HistoryTerm(PayoffTerm):
    """γ·h_ij: the baseline relation that history leaves (alliances, wars, distrust)."""

    name = "history"
    weight_param = "history_weight"

    def parts(self, world: World, rng: np.random.Generator) -> np.ndarray:
        return (self.weight(world) * world.relations)[None]


@register
class PowerTerm(PayoffTerm):
    """ρ·p_j / max p: the value of a powerful partner (bandwagoning, Walt 1987); the largest
    power is that of the states active at the time."""

    name = "power"
    weight_param = "power_weight"

    def parts(self, world: World, rng: np.random.Generator) -> np.ndarray:
        row = self.weight(world) * world.power / strongest(world)
        out = np.broadcast_to(row, (world.n, world.n)).copy()
        np.fill_diagonal(out, 0.0)
        return out[None]


@register
class CostTerm(PayoffTerm):
    """−c: keeping any tie costs attention and resources."""

    name = "cost"

    def parts(self, world: World, rng: np.random.Generator) -> np.ndarray:
        out = np.full((world.n, world.n), -float(world.params["tie_cost"]))
        np.fill_diagonal(out, 0.0)
        return out[None]


@register
class NoiseTerm(PayoffTerm):
    """ε_ij ~ N(0, s²), drawn from the model's seeded generator at every evaluation."""

    name = "noise"
    dynamic = True
    random = True

    def parts(self, world: World, rng: np.random.Generator) -> np.ndarray:
        scale = float(world.params["noise"])
        if scale == 0.0:
            return np.zeros((1, world.n, world.n))
        out = rng.normal(0.0, scale, size=(world.n, world.n))
        np.fill_diagonal(out, 0.0)
        return out[None]

    def row_parts(self, world: World, i: int, rng: np.random.Generator) -> np.ndarray:
        scale = float(world.params["noise"])
        if scale == 0.0:
            return np.zeros((1, 2, world.n))
        out = rng.normal(0.0, scale, size=(2, world.n))
        out[:, i] = 0.0
        return out[None]


def strongest(world: World) -> float:
    """The largest power among the active states (of all, when none is active)."""
    if world.active is None or not world.active.any():
        return float(world.power.max())
    return float(world.power[world.active].max())


#: The terms alignsim ships, in registry order: the compiled step implements exactly these.
BUILT_IN: tuple[type[PayoffTerm], ...] = tuple(REGISTRY.values())


class Payoffs:
    """Evaluates the registered terms for one world and keeps their parts apart.

    Static parts are computed once per step (they change only through events and
    socialization) and summed once; dynamic parts are computed for each evaluation. The
    hot path works with totals; the parts of a single pair are assembled only when a tie
    crosses a level, which is rare.
    """

    def __init__(
        self,
        world: World,
        terms: list[PayoffTerm] | None = None,
        shared: StaticPayoffs | None = None,
    ) -> None:
        self.world = world
        self.terms = terms if terms is not None else [cls() for cls in REGISTRY.values()]
        # Static parts depend only on the world's arrays other than the ties, and only events
        # and socialization change those. Runs of one scenario can then share the static parts
        # of each history of events; only the built-in terms are known to draw nothing.
        builtin = tuple(type(t) for t in self.terms) == BUILT_IN
        self._shared = shared if builtin else None
        self._history: tuple[int, ...] | None = ()
        self.names: list[str] = []
        self._slices: list[slice] = []
        for term in self.terms:
            names = term.part_names(world)
            self._slices.append(slice(len(self.names), len(self.names) + len(names)))
            self.names.extend(names)
        self._dynamic = [(t, w) for t, w in zip(self.terms, self._slices, strict=True) if t.dynamic]
        self._static: np.ndarray | None = None
        self._static_total: np.ndarray | None = None

    def invalidate(self, event: int | None = None) -> None:
        """Forget cached static parts (after an event or socialization).

        ``event``: the position of the scenario event that changed the world, which keeps the
        world's history known (the key of the shared static parts); None, for any other
        change (socialization), stops sharing for the rest of the run.
        """
        self._static = None
        self._static_total = None
        if self._history is not None and event is not None:
            self._history += (event,)
        else:
            self._history = None

    def _static_parts(self, rng: np.random.Generator) -> np.ndarray:
        if self._static is None:
            static = np.zeros((len(self.names), self.world.n, self.world.n))
            for term, where in zip(self.terms, self._slices, strict=True):
                if not term.dynamic:
                    static[where] = term.parts(self.world, rng)
            self._static = static
            if self._static_total is None:  # else shared: the same sum of the same parts
                self._static_total = static.sum(axis=0)
                if self._shared is not None and self._history is not None:
                    self._shared.put(self._history, self._static_total)
        return self._static

    def static_total(self, rng: np.random.Generator) -> np.ndarray:
        """The sum of the static parts (N, N), as the hot path adds it to the dynamic ones."""
        if self._static_total is None:
            if self._shared is not None and self._history is not None:
                self._static_total = self._shared.get(self._history)
            if self._static_total is None:
                self._static_parts(rng)
        return self._static_total

    def full(self, rng: np.random.Generator) -> np.ndarray:
        """All parts as (P, N, N); the payoff matrix is ``parts.sum(axis=0)``."""
        parts = self._static_parts(rng).copy()
        for term, where in self._dynamic:
            parts[where] = term.parts(self.world, rng)
        return parts

    def noiseless(self) -> np.ndarray:
        """All parts as (P, N, N) with random terms at 0, drawing nothing from any generator.

        The payoff of the world as it is before any draw: the reference that explanations
        measure a tie's first moves against (``AlignmentModel``, ``analysis/drivers.py``).
        """
        unused = np.random.default_rng(0)  # non-random terms take a generator but draw nothing
        parts = np.zeros((len(self.names), self.world.n, self.world.n))
        for term, where in zip(self.terms, self._slices, strict=True):
            if not term.random:
                parts[where] = term.parts(self.world, unused)
        return parts

    def evaluate(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """The payoff matrix U (N, N) and the dynamic parts used (D, N, N)."""
        total = self.static_total(rng)
        dynamic = np.concatenate([term.parts(self.world, rng) for term, _ in self._dynamic])
        return total + dynamic.sum(axis=0), dynamic

    def around(self, i: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Payoffs U_i· and U_·i as (2, N), and the dynamic parts used, as (D, 2, N).

        For state i's own activation under asynchronous updating.
        """
        total = self.static_total(rng)
        payoff = np.empty((2, self.world.n))
        payoff[0] = total[i, :]
        payoff[1] = total[:, i]
        dynamic = [term.row_parts(self.world, i, rng) for term, _ in self._dynamic]
        for rows in dynamic:
            payoff += rows[0] if rows.shape[0] == 1 else rows.sum(axis=0)
        return payoff, np.concatenate(dynamic) if len(dynamic) > 1 else dynamic[0]

    def parts_of_pairs(self, i: np.ndarray, j: np.ndarray, dynamic: np.ndarray) -> np.ndarray:
        """``pair_parts`` of many pairs (i[c], j[c]) at once: (C, P), given dynamic (D, C)."""
        parts = self._static_parts(_NO_DRAWS)[:, i, j]
        offset = 0
        for _term, where in self._dynamic:
            width = where.stop - where.start
            parts[where] = dynamic[offset : offset + width]
            offset += width
        return parts.T

    def pair_parts(self, i: int, j: int, dynamic: np.ndarray) -> np.ndarray:
        """Every part of U_ij in name order, given the dynamic parts (D,) used for it."""
        parts = self._static_parts(_NO_DRAWS)[:, i, j].copy()
        offset = 0
        for _term, where in self._dynamic:
            width = where.stop - where.start
            parts[where] = dynamic[offset : offset + width]
            offset += width
        return parts


class StaticPayoffs:
    """The static payoff of one scenario's runs, by the events each run has applied.

    In a run without socialization the static parts (interest, history, power, cost) change
    only when an event fires, and an event's changes depend only on the world before it, so
    two runs that applied the same events in the same order have the same static payoff,
    bit for bit. Replications of a scenario share this cache and compute each history's
    sum of static parts once (the parts themselves, which only explanations read, are
    computed again where a run needs them). Nobody writes into the arrays (the compiled
    step only reads them; they are not flagged read-only, which Numba would compile for
    separately). The cache stops adding beyond ``max_bytes``.
    """

    def __init__(self, max_bytes: int = 16 * 2**20) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self._known: dict[tuple[int, ...], np.ndarray] = {}

    def __len__(self) -> int:
        return len(self._known)

    def get(self, history: tuple[int, ...]) -> np.ndarray | None:
        return self._known.get(history)

    def put(self, history: tuple[int, ...], total: np.ndarray) -> None:
        if history in self._known or self.bytes + total.nbytes > self.max_bytes:
            return
        self._known[history] = total
        self.bytes += total.nbytes
