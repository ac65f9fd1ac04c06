"""Tests for alignsim.model.metrics: levels, balance ratio, polarization."""

from __future__ import annotations

import itertools
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alignsim.model.metrics import (
    LEVELS,
    balance_ratio,
    counts_per_level,
    level_codes,
    polarization,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "gahuku_gama.csv"
THRESHOLDS = SimpleNamespace(hostile=-0.6, rival=-0.2, partner=0.2, alliance=0.6)


def load_gahuku_gama() -> np.ndarray:
    return np.loadtxt(DATA, delimiter=",", skiprows=1)


@st.composite
def symmetric_ties(draw, min_n: int = 1, max_n: int = 12) -> np.ndarray:
    """Symmetric matrices in [-1, 1] with zero diagonal; many exact zeros and ±1."""
    n = draw(st.integers(min_n, max_n))
    values = draw(
        st.lists(
            st.one_of(st.just(0.0), st.sampled_from([-1.0, 1.0]), st.floats(-1.0, 1.0)),
            min_size=n * (n - 1) // 2,
            max_size=n * (n - 1) // 2,
        )
    )
    T = np.zeros((n, n))
    T[np.triu_indices(n, k=1)] = values
    return T + T.T


# --- levels ---------------------------------------------------------------------------------


def test_levels_names() -> None:
    assert LEVELS == ("hostile", "rival", "neutral", "partner", "alliance", "formal_alliance")


def test_level_codes_bands_and_boundaries() -> None:
    values = np.array([-1.0, -0.6, -0.59, -0.2, -0.19, 0.0, 0.19, 0.2, 0.59, 0.6, 1.0])
    codes = level_codes(values, THRESHOLDS)
    assert codes.dtype == np.int8
    assert codes.tolist() == [0, 0, 1, 1, 2, 2, 2, 3, 3, 4, 4]


def test_level_codes_accepts_mapping_and_keeps_shape() -> None:
    T = np.array([[0.0, 0.7], [0.7, 0.0]])
    codes = level_codes(T, dict(hostile=-0.6, rival=-0.2, partner=0.2, alliance=0.6))
    assert codes.shape == (2, 2)
    assert codes.tolist() == [[2, 4], [4, 2]]


def test_level_codes_rejects_unordered_thresholds() -> None:
    with pytest.raises(ValueError):
        level_codes(
            np.zeros((2, 2)), SimpleNamespace(hostile=0, rival=-0.2, partner=0.2, alliance=1)
        )


@given(symmetric_ties())
def test_level_codes_matches_scalar_rule(T: np.ndarray) -> None:
    def rule(x: float) -> int:
        if x <= THRESHOLDS.hostile:
            return 0
        if x <= THRESHOLDS.rival:
            return 1
        if x < THRESHOLDS.partner:
            return 2
        if x < THRESHOLDS.alliance:
            return 3
        return 4

    codes = level_codes(T, THRESHOLDS)
    assert codes.tolist() == [[rule(x) for x in row] for row in T.tolist()]


def test_counts_per_level_upper_triangle_and_flat() -> None:
    T = np.array([[0.0, 0.9, -0.9], [0.9, 0.0, 0.3], [-0.9, 0.3, 0.0]])
    counts = counts_per_level(level_codes(T, THRESHOLDS))
    assert list(counts) == list(LEVELS)
    assert counts == dict(hostile=1, rival=0, neutral=0, partner=1, alliance=1, formal_alliance=0)
    assert counts_per_level(np.array([5, 5, 2], dtype=np.int8))["formal_alliance"] == 2
    assert sum(counts_per_level(np.array([], dtype=np.int8)).values()) == 0


# --- balance ratio --------------------------------------------------------------------------


def test_balance_ratio_gahuku_gama() -> None:
    ratio, triads = balance_ratio(load_gahuku_gama(), rival=-0.5, partner=0.5)
    assert triads == 68
    assert ratio == pytest.approx(59 / 68)
    assert ratio == pytest.approx(0.8676471, abs=1e-7)


def test_balance_ratio_no_triads_is_vacuously_balanced() -> None:
    T = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, -1.0], [0.0, -1.0, 0.0]])  # an open path
    assert balance_ratio(T, -0.2, 0.2) == (1.0, 0)
    assert balance_ratio(np.zeros((0, 0)), -0.2, 0.2) == (1.0, 0)


def test_balance_ratio_single_triads() -> None:
    def triangle(a: float, b: float, c: float) -> np.ndarray:
        return np.array([[0, a, b], [a, 0, c], [b, c, 0]], dtype=float)

    assert balance_ratio(triangle(1, 1, 1), -0.2, 0.2) == (1.0, 1)
    assert balance_ratio(triangle(1, -1, -1), -0.2, 0.2) == (1.0, 1)
    assert balance_ratio(triangle(1, 1, -1), -0.2, 0.2) == (0.0, 1)
    assert balance_ratio(triangle(-1, -1, -1), -0.2, 0.2) == (0.0, 1)
    assert balance_ratio(triangle(1, 1, 0.1), -0.2, 0.2) == (1.0, 0)  # neutral tie: open


@settings(max_examples=150)
@given(symmetric_ties(max_n=9), st.floats(0.05, 0.9), st.floats(0.05, 0.9))
def test_balance_ratio_matches_triad_enumeration(T: np.ndarray, r: float, p: float) -> None:
    rival, partner = -r, p
    ties = T
    sign = np.where(ties >= partner, 1, np.where(ties <= rival, -1, 0))
    n = T.shape[0]
    closed = balanced = 0
    for i, j, k in itertools.combinations(range(n), 3):
        s = sign[i, j] * sign[j, k] * sign[i, k]
        if s != 0:
            closed += 1
            balanced += s > 0
    ratio, triads = balance_ratio(T, rival, partner)
    assert triads == closed
    assert 0.0 <= ratio <= 1.0
    assert ratio == pytest.approx(balanced / closed if closed else 1.0)


def test_balance_ratio_rejects_crossed_thresholds() -> None:
    with pytest.raises(ValueError):
        balance_ratio(np.zeros((3, 3)), 0.5, 0.2)


# --- polarization ---------------------------------------------------------------------------


def test_polarization_two_camps() -> None:
    T = np.array(
        [
            [0.0, 1.0, -1.0, -0.5, 0.0],
            [1.0, 0.0, 0.5, -1.0, 0.0],
            [-1.0, 0.5, 0.0, 1.0, 0.0],
            [-0.5, -1.0, 1.0, 0.0, -1.0],
            [0.0, 0.0, 0.0, -1.0, 0.0],
        ]
    )
    labels = np.array([1, 1, 2, 2, 0])
    # pairs (0,2)=-1 (0,3)=-0.5 (1,2)=+0.5 -> 0 (1,3)=-1 ; state 4 is unaligned and ignored
    assert polarization(T, labels) == pytest.approx((1 + 0.5 + 0 + 1) / 4)


def test_polarization_uses_two_largest_blocs() -> None:
    T = -np.ones((6, 6))
    np.fill_diagonal(T, 0.0)
    T[0, 5] = T[5, 0] = 0.0  # the singleton bloc 3 is not one of the two largest
    T[1, 3] = T[3, 1] = 1.0
    labels = np.array([1, 1, 2, 2, 2, 3])
    # largest: bloc 2 {2,3,4}; second: bloc 1 {0,1}; one of six pairs is friendly
    assert polarization(T, labels) == pytest.approx(5 / 6)


def test_polarization_fewer_than_two_blocs() -> None:
    T = -np.ones((3, 3))
    np.fill_diagonal(T, 0.0)
    assert polarization(T, np.array([1, 1, 1])) == 0.0
    assert polarization(T, np.array([0, 0, 0])) == 0.0
    assert polarization(T, np.array([1, 0, 0])) == 0.0


@given(symmetric_ties(min_n=2), st.data())
def test_polarization_in_unit_interval(T: np.ndarray, data: st.DataObject) -> None:
    n = T.shape[0]
    labels = np.array(data.draw(st.lists(st.integers(0, 4), min_size=n, max_size=n)))
    value = polarization(T, labels)
    assert 0.0 <= value <= 1.0


def test_recorded_metrics_match_the_per_step_functions() -> None:
    """The batched metrics of a run equal the single-matrix functions at every step."""
    from benchmarks.random_scenarios import random_scenario

    from alignsim.model import simulate
    from alignsim.model.blocs import frustration
    from alignsim.model.metrics import balance_ratio, polarization

    scenario = random_scenario(3, 25, 3, steps=20, noise=0.1)
    result = simulate(scenario, seed=1)
    th = scenario.params.thresholds
    for step in range(result.steps + 1):
        T, blocs = result.tie_matrix(step), result.recorder.bloc[step]
        ratio, triads = balance_ratio(T, th.rival, th.partner)
        assert result.metric("balance_ratio")[step] == ratio
        assert result.metric("closed_triads")[step] == triads
        assert result.metric("frustration")[step] == pytest.approx(frustration(T, blocs), abs=1e-12)
        assert result.metric("polarization")[step] == pytest.approx(polarization(T, blocs))
        assert result.metric("blocs")[step] == len(set(blocs[blocs > 0].tolist()))
