"""The numeric state of the world: every quantity the rules read, as numpy arrays.

States hold indices into these arrays rather than copies, so one step is matrix algebra
over N×N and N×K arrays and agents stay thin Mesa wrappers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from alignsim.model.active import Presence, without_inactive

if TYPE_CHECKING:
    from alignsim.scenario import Scenario

#: Sign σ_k of each dimension kind: a common stance bonds on shared dimensions, opposite
#: stances (buyer and supplier) bond on complementary ones.
KIND_SIGN = {"shared": 1.0, "complementary": -1.0}

#: Share of a corridor's boost that each status gives (``planned`` is set by a parameter).
STATUS_ACTIVE = "active"
STATUS_PLANNED = "planned"


@dataclass
class Corridor:
    """A route over states whose status can change during a run."""

    name: str
    members: np.ndarray
    status: str
    boost: float
    dimensions: np.ndarray  # indices of the complementary dimensions it boosts


@dataclass
class World:
    """Arrays of one run; mutated in place by events, tie rules and socialization."""

    names: list[str]
    dimensions: list[str]
    sign: np.ndarray  # (K,) σ_k
    stances: np.ndarray  # (N, K) a_ik in [-1, 1]
    salience: np.ndarray  # (N, K) w_ik in [0, 1]
    power: np.ndarray  # (N,) p_i > 0
    relations: np.ndarray  # (N, N) h_ij, symmetric, zero diagonal
    ties: np.ndarray  # (N, N) T_ij, symmetric, zero diagonal
    corridors: dict[str, Corridor]
    params: dict[str, Any]
    thresholds: dict[str, float]
    #: When states enter and leave; None: every state is active throughout.
    presence: Presence | None = None
    #: (N,) bool, which states are active now; None: all of them.
    active: np.ndarray | None = None
    #: The scenario's initial ties, which a state's ties start from when it enters.
    entry_ties: np.ndarray | None = None
    index: dict[str, int] = field(init=False)
    _corridor_factor: np.ndarray | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.index = {name: i for i, name in enumerate(self.names)}

    @property
    def n(self) -> int:
        return len(self.names)

    @property
    def k(self) -> int:
        return len(self.dimensions)

    @property
    def n_active(self) -> int:
        """How many states are active now."""
        return self.n if self.active is None else int(self.active.sum())

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> World:
        """Build the arrays of a validated scenario (file order fixes the indices)."""
        names = list(scenario.states)
        dims = list(scenario.dimensions)
        index = {name: i for i, name in enumerate(names)}
        n, k = len(names), len(dims)
        stances = np.zeros((n, k))
        salience = np.ones((n, k))
        power = np.zeros(n)
        for i, spec in enumerate(scenario.states.values()):
            power[i] = spec.power
            for d, dim in enumerate(dims):
                stances[i, d] = spec.interests[dim]
                salience[i, d] = spec.salience.get(dim, 1.0)
        relations = _pair_matrix(scenario.relations, index, n)
        ties = relations.copy() if scenario.ties is None else _pair_matrix(scenario.ties, index, n)
        complementary = np.array(
            [d for d, dim in enumerate(dims) if scenario.dimensions[dim].kind == "complementary"],
            dtype=int,
        )
        corridors = {}
        for name, spec in scenario.corridors.items():
            boosted = (
                complementary
                if spec.dimensions is None
                else np.array([dims.index(dim) for dim in spec.dimensions], dtype=int)
            )
            corridors[name] = Corridor(
                name=name,
                members=np.array([index[s] for s in spec.route], dtype=int),
                status=spec.status,
                boost=float(spec.boost),
                dimensions=boosted,
            )
        params = scenario.params.model_dump()
        thresholds = params.pop("thresholds")
        presence = Presence.of(scenario, names)
        active = entry = None
        if presence is not None:
            entry, active = ties.copy(), presence.at(0)
            without_inactive(ties, active)
        return cls(
            names=names,
            dimensions=dims,
            sign=np.array([KIND_SIGN[scenario.dimensions[d].kind] for d in dims]),
            stances=stances,
            salience=salience,
            power=power,
            relations=relations,
            ties=ties,
            corridors=corridors,
            params=params,
            thresholds=thresholds,
            presence=presence,
            active=active,
            entry_ties=entry,
        )

    def copy(self) -> World:
        """A world with arrays of its own, as it is now: a run mutates its world in place."""
        corridors = {
            name: Corridor(c.name, c.members, c.status, c.boost, c.dimensions)
            for name, c in self.corridors.items()
        }
        world = World(
            names=self.names,
            dimensions=self.dimensions,
            sign=self.sign,
            stances=self.stances.copy(),
            salience=self.salience.copy(),
            power=self.power.copy(),
            relations=self.relations.copy(),
            ties=self.ties.copy(),
            corridors=corridors,
            params=dict(self.params),
            thresholds=dict(self.thresholds),
            presence=self.presence,
            active=None if self.active is None else self.active.copy(),
            entry_ties=self.entry_ties,  # never written
        )
        world._corridor_factor = self._corridor_factor  # replaced, never written, on change
        return world

    def corridor_factor(self) -> np.ndarray:
        """c_ijk = 1 + the boosts of the corridors that carry both i and j on dimension k.

        A planned corridor already shapes expectations, so it gives ``planned_boost_share``
        of its boost; a blocked one gives nothing. Cached until a corridor changes.
        """
        if self._corridor_factor is None:
            factor = np.ones((self.k, self.n, self.n))
            for corridor in self.corridors.values():
                share = _status_share(corridor.status, self.params["planned_boost_share"])
                if share == 0.0 or corridor.boost == 0.0 or corridor.dimensions.size == 0:
                    continue
                on_route = np.zeros(self.n, dtype=bool)
                on_route[corridor.members] = True
                factor[np.ix_(corridor.dimensions, on_route, on_route)] += share * corridor.boost
            self._corridor_factor = factor
        return self._corridor_factor

    def corridors_changed(self) -> None:
        self._corridor_factor = None


def _status_share(status: str, planned_share: float) -> float:
    if status == STATUS_ACTIVE:
        return 1.0
    if status == STATUS_PLANNED:
        return float(planned_share)
    return 0.0


def _pair_matrix(pairs, index: dict[str, int], n: int) -> np.ndarray:
    matrix = np.zeros((n, n))
    for pair in pairs:
        a, b = (index[s] for s in pair.between)
        matrix[a, b] = matrix[b, a] = pair.value
    return matrix
