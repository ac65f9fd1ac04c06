"""Per-step metrics of the signed tie matrix: levels, structural balance, polarization.

Everything here is a pure function of ``T`` (a symmetric N×N float matrix in [-1, 1] with zero
diagonal) and runs every simulation step, so it is written as whole-matrix numpy algebra: no
per-pair Python loops.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from alignsim.model import compiled

__all__ = [
    "LEVELS",
    "balance_ratio",
    "counts_per_level",
    "level_codes",
    "polarization",
]

#: Tie levels, indexed by the integer code returned by :func:`level_codes`. Code 5
#: (``formal_alliance``) is never produced here: the model promotes a tie to it after the tie has
#: stayed at alliance level for ``alliance_after`` steps.
LEVELS: tuple[str, ...] = ("hostile", "rival", "neutral", "partner", "alliance", "formal_alliance")

HOSTILE, RIVAL, NEUTRAL, PARTNER, ALLIANCE, FORMAL_ALLIANCE = range(len(LEVELS))
#: Handed to the compiled metrics when every state is in the world (no mask to read).
_EVERYONE = np.ones((0, 0), dtype=np.bool_)


def _threshold(thresholds: Any, name: str) -> float:
    """Read one threshold from an attribute object (e.g. a pydantic model) or a mapping."""
    if isinstance(thresholds, Mapping):
        return float(thresholds[name])
    return float(getattr(thresholds, name))


def level_codes(T: NDArray[np.floating], thresholds: Any) -> NDArray[np.int8]:
    """Classify every tie into a level code 0..4 (indices into :data:`LEVELS`).

    The bands follow the scenario thresholds ``hostile ≤ θ_h < rival ≤ θ_r < neutral < θ_p ≤
    partner < θ_a ≤ alliance`` (docs/ODD.md): hostile if ``T <= θ_h``; rival if ``θ_h < T <= θ_r``;
    neutral if ``θ_r < T < θ_p``; partner if ``θ_p <= T < θ_a``; alliance if ``T >= θ_a``.

    Args:
        T: tie strengths, any shape (usually N×N; the zero diagonal comes out ``neutral``).
        thresholds: object with float attributes (or a mapping with keys) ``hostile``, ``rival``,
            ``partner``, ``alliance``.

    Returns:
        int8 array of the same shape as ``T``.
    """
    h = _threshold(thresholds, "hostile")
    r = _threshold(thresholds, "rival")
    p = _threshold(thresholds, "partner")
    a = _threshold(thresholds, "alliance")
    return LevelBands(h, r, p, a).codes(T)


class LevelBands:
    """The four level thresholds, checked once, for classifying ties many times a step."""

    __slots__ = ("_lower", "_upper")

    def __init__(self, hostile: float, rival: float, partner: float, alliance: float) -> None:
        if not (hostile < rival < partner < alliance):
            raise ValueError(
                "thresholds must satisfy hostile < rival < partner < alliance, got "
                f"{hostile}, {rival}, {partner}, {alliance}"
            )
        self._lower = np.array([hostile, rival])  # T above each: one band up (strict)
        self._upper = np.array([partner, alliance])  # T at or above each: one band up

    @classmethod
    def of(cls, thresholds: Any) -> LevelBands:
        names = ("hostile", "rival", "partner", "alliance")
        return cls(*(_threshold(thresholds, name) for name in names))

    def codes(self, T: NDArray[np.floating]) -> NDArray[np.int8]:
        """Level codes 0..4 of every entry (see :func:`level_codes`)."""
        ties = np.asarray(T)
        below = np.searchsorted(self._lower, ties, side="left")  # bounds strictly below T
        above = np.searchsorted(self._upper, ties, side="right")  # bounds at or below T
        return (below + above).astype(np.int8)


def counts_per_level(codes: NDArray[np.integer]) -> dict[str, int]:
    """Count ties per level, with every level present (zeros included) for stable columns.

    Args:
        codes: level codes. A square 2-D matrix is read as a symmetric tie matrix and only its
            strict upper triangle is counted (each pair once, no diagonal); any other array is
            counted element by element.

    Returns:
        ``{level name: count}`` in the order of :data:`LEVELS`.
    """
    codes = np.asarray(codes)
    if codes.ndim == 2 and codes.shape[0] == codes.shape[1]:
        codes = codes[np.triu_indices(codes.shape[0], k=1)]
    flat = codes.ravel().astype(np.intp, copy=False)
    if flat.size and (flat.min() < 0 or flat.max() >= len(LEVELS)):
        raise ValueError(f"level codes must be in 0..{len(LEVELS) - 1}")
    counts = np.bincount(flat, minlength=len(LEVELS))
    return {name: int(c) for name, c in zip(LEVELS, counts, strict=True)}


def _trace_cube(X: NDArray[np.floating]) -> int:
    """tr(X³) of a symmetric matrix with entries in {-1, 0, 1}: one product, Σ_ij (X·X)_ij X_ij.

    The product is taken in float32, which is exact here (entries of X·X are integers of size at
    most N < 2^24) and twice as fast as float64; the sum is accumulated in float64 (exact).
    """
    X = X.astype(np.float32, copy=False)
    return round(float(((X @ X) * X).sum(dtype=np.float64)))


def balance_ratio(T: NDArray[np.floating], rival: float, partner: float) -> tuple[float, int]:
    """Share of balanced closed triads among those whose three ties are all signed.

    A tie is *signed* when it is at least a partnership (``T >= partner``, sign +1) or at most a
    rivalry (``T <= rival``, sign -1); neutral ties are treated as absent. A triad is balanced
    when the product of its three signs is positive (Cartwright & Harary 1956, "Structural
    balance: a generalization of Heider's theory", *Psychological Review* 63:277–293).

    Counted with traces instead of loops: with the sign matrix S and A = |S|,
    tr(A³)/6 is the number of closed signed triads and tr(S³)/6 is balanced minus unbalanced,
    so balanced = (tr(A³) + tr(S³))/12. Two N×N matrix products, O(N³) in BLAS; T must be
    symmetric.

    When there is no closed signed triad the ratio is reported as 1.0 (vacuously balanced:
    no triad is unbalanced) rather than NaN, so per-step output tables never contain NaN; the
    returned count (0) tells the two situations apart.

    Args:
        T: symmetric N×N tie strengths with zero diagonal.
        rival: rivalry threshold θ_r (ties ``<= rival`` count as negative).
        partner: partner threshold θ_p (ties ``>= partner`` count as positive).

    Returns:
        ``(ratio, triads)``: ratio in [0, 1] and the number of closed signed triads.
    """
    if not rival < partner:
        raise ValueError(f"need rival < partner, got rival={rival}, partner={partner}")
    ties = np.asarray(T, dtype=float)
    S = (ties >= partner).astype(np.float32) - (ties <= rival).astype(np.float32)
    np.fill_diagonal(S, 0.0)
    A = np.abs(S)
    closed = _trace_cube(A)
    if closed == 0:
        return 1.0, 0
    signed = _trace_cube(S)
    balanced = (closed + signed) // 12
    triads = closed // 6
    return balanced / triads, triads


def polarization(T: NDArray[np.floating], labels: NDArray[np.integer]) -> float:
    """Mean hostility between the two largest blocs.

    The mean over pairs (i in the largest bloc, j in the second largest) of ``max(0, -T_ij)``:
    1 when the two camps are uniformly at maximal enmity, 0 when they are not hostile at all
    (or when there are fewer than two blocs). Ties in bloc size go to the smaller bloc id, so the
    result is deterministic.

    Args:
        T: symmetric N×N tie strengths in [-1, 1].
        labels: bloc id per state; 0 = unaligned (ignored), 1.. = blocs.

    Returns:
        polarization in [0, 1].
    """
    labels = np.asarray(labels)
    aligned = labels[labels > 0]
    if aligned.size == 0:
        return 0.0
    ids, sizes = np.unique(aligned, return_counts=True)
    if ids.size < 2:
        return 0.0
    order = np.lexsort((ids, -sizes))  # by size descending, then id ascending
    first = np.flatnonzero(labels == ids[order[0]])
    second = np.flatnonzero(labels == ids[order[1]])
    block = np.asarray(T, dtype=float)[np.ix_(first, second)]
    return float(np.maximum(-block, 0.0).mean())


def recorded_metrics(
    strength: NDArray[np.floating],
    levels: NDArray[np.integer],
    blocs: NDArray[np.integer],
    *,
    n: int,
    rival: float,
    partner: float,
    alliance: float,
    pairs: Mapping[str, int],
    triangles: Mapping[str, tuple[int, int, int]],
    active: NDArray[np.bool_] | None = None,
) -> dict[str, NDArray[np.floating]]:
    """The per-step metrics of many recorded steps at once, one array per metric.

    Args:
        strength: (S, P) tie strengths of the P = N(N−1)/2 pairs in upper-triangle order.
        levels: (S, P) level codes (formal alliances included).
        blocs: (S, N) bloc ids, 0 = unaligned.
        n: number of states N.
        rival, partner, alliance: level thresholds.
        pairs: watched pairs, by label, as columns of ``strength``.
        triangles: watched triangles, by label, as three columns (ab, bc, ac).
        active: (S, N) which states are in the world at each step (None: all). The others'
            pairs are left out of the counts, triads, mean strength and frustration, and
            they count as no unaligned state; a triangle with one of them is not formed.

    Returns:
        ``{metric name: (S,) array}`` in the column order of metrics.csv: ``count.<level>``,
        ``balance_ratio``, ``closed_triads``, ``blocs``, ``unaligned``, ``frustration``,
        ``polarization``, ``mean_strength`` and the watched outcomes. Each row equals what
        :func:`balance_ratio`, :func:`polarization` and ``blocs.frustration`` give for that
        step's matrix (the compiled pass of ``compiled.step_metrics`` counts triads with bit
        sets instead of two matrix products per step).
    """
    strength = np.ascontiguousarray(strength, dtype=float)
    levels = np.ascontiguousarray(levels, dtype=np.int8)
    blocs = np.ascontiguousarray(blocs, dtype=np.int64)
    rows = strength.shape[0]
    upper = np.triu_indices(n, 1)
    counts = np.zeros((rows, len(LEVELS)), dtype=np.int64)
    closed, signed = np.zeros(rows, dtype=np.int64), np.zeros(rows, dtype=np.int64)
    n_blocs, unaligned = np.zeros(rows, dtype=np.int64), np.zeros(rows, dtype=np.int64)
    frustration, polarization, mean = np.zeros(rows), np.zeros(rows), np.zeros(rows)
    present = _EVERYONE if active is None else np.ascontiguousarray(active, dtype=np.bool_)
    compiled.step_metrics(
        strength, levels, blocs, upper[0], upper[1], present, rival, partner, counts, closed,
        signed, n_blocs, unaligned, frustration, polarization, mean,
    )  # fmt: skip
    out: dict[str, NDArray[np.floating]] = {}
    for code, name in enumerate(LEVELS):
        out[f"count.{name}"] = counts[:, code].astype(float)
    ratio = np.ones(rows)
    some = closed > 0
    ratio[some] = ((closed + signed)[some] // 12) / (closed[some] // 6)
    out["balance_ratio"] = ratio
    out["closed_triads"] = (closed // 6).astype(float)
    out["blocs"] = n_blocs.astype(float)
    out["unaligned"] = unaligned.astype(float)
    out["frustration"] = frustration
    out["polarization"] = polarization
    out["mean_strength"] = mean
    for label, column in pairs.items():
        out[f"watch.{label}.strength"] = strength[:, column].copy()
    for label, columns in triangles.items():
        sides = strength[:, list(columns)]
        there = True
        if active is not None:  # all three states in the world
            members = np.unique(np.concatenate([upper[0][list(columns)], upper[1][list(columns)]]))
            there = active[:, members].all(axis=1)
        out[f"watch.{label}.formed"] = ((sides >= partner).all(axis=1) & there).astype(float)
        out[f"watch.{label}.alliance"] = ((sides >= alliance).all(axis=1) & there).astype(float)
    return out
