"""The compiled step against the numpy code it replaces, which stays the reference.

Both read the same generators in the same order, so a run must be the same run: ties to
rounding (the two compute tanh and sums in a different order), and levels, blocs and every
event row's words identical.
"""

from __future__ import annotations

import numpy as np
import pytest
from benchmarks.random_scenarios import random_scenario
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alignsim.model import compiled
from alignsim.model.blocs import _relocate
from alignsim.model.model import AlignmentModel
from alignsim.model.payoffs import REGISTRY, PayoffTerm, register
from alignsim.model.simulate import result_of

ROUNDING = 1e-12
WORDS = ["step", "date", "kind", "subject", "detail", "effect", "cause"]


def run(scenario, seed: int, steps: int, *, compiled: bool) -> AlignmentModel:
    model = AlignmentModel(scenario, rng=seed, steps=steps, collect=False, compiled=compiled)
    names = model.world.names
    if len(names) > 1:
        model.trace_pair(names[0], names[-1])
    for _ in range(steps):
        model.step()
    return model


def assert_same_run(scenario, seed: int, steps: int) -> None:
    fast, reference = (run(scenario, seed, steps, compiled=c) for c in (True, False))
    assert fast.compiled and not reference.compiled
    a, b = fast.recorder, reference.recorder
    np.testing.assert_allclose(a.strength, b.strength, rtol=0, atol=ROUNDING)
    np.testing.assert_array_equal(a.level, b.level)
    np.testing.assert_array_equal(a.bloc, b.bloc)
    events_a, events_b = result_of(fast).events_frame(), result_of(reference).events_frame()
    assert events_a[WORDS].fillna("").equals(events_b[WORDS].fillna(""))
    numeric = events_a.columns.difference(WORDS)
    np.testing.assert_allclose(
        events_a[numeric].astype(float).to_numpy(),
        events_b[numeric].astype(float).to_numpy(),
        rtol=0,
        atol=ROUNDING,
    )
    for trace_a, trace_b in zip(fast.traces.values(), reference.traces.values(), strict=True):
        for side in ("ab", "ba"):
            np.testing.assert_allclose(trace_a.parts(side), trace_b.parts(side), atol=ROUNDING)
            np.testing.assert_allclose(trace_a.totals(side), trace_b.totals(side), atol=ROUNDING)


@pytest.mark.parametrize("activation", ["random", "simultaneous"])
def test_flagship_same_run(flagship, activation):
    scenario = flagship.model_copy(deep=True)
    scenario.params.activation = activation
    assert_same_run(scenario, seed=5, steps=flagship.steps)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**16),
    n_states=st.integers(1, 14),
    activation=st.sampled_from(["random", "simultaneous"]),
    balance_norm=st.sampled_from(["paths", "mean"]),
    noise=st.sampled_from([0.0, 0.05, 0.3]),
    socialization=st.sampled_from([0.0, 0.3]),
)
def test_random_scenarios_same_run(seed, n_states, activation, balance_norm, noise, socialization):
    scenario = random_scenario(
        seed, n_states, 3, steps=12, activation=activation, balance_norm=balance_norm,
        noise=noise, socialization=socialization, power_weight=0.3, stochastic=True,
    )  # fmt: skip
    assert_same_run(scenario, seed=seed, steps=12)


def test_other_rules_and_terms_run_the_numpy_code():
    assert not AlignmentModel(random_scenario(1, 5, 2, rule="threshold")).compiled

    @register
    class Trade(PayoffTerm):
        name = "trade_test_only"

        def parts(self, world, rng):
            return np.zeros((1, world.n, world.n))

    try:
        assert not AlignmentModel(random_scenario(1, 5, 2)).compiled
    finally:
        del REGISTRY["trade_test_only"]
    assert AlignmentModel(random_scenario(1, 5, 2)).compiled


def test_crossing_rows_describe_the_recorded_ties():
    """Each crossing row names a pair whose recorded tie moved across that level that step."""
    scenario = random_scenario(4, 30, 3, steps=30, noise=0.2, activation="simultaneous")
    scenario.events = []
    result = result_of(run(scenario, seed=4, steps=30, compiled=True))
    events = result.events_frame()
    crossings = events[events["kind"] != "formal_alliance"]
    assert len(crossings) > 100
    for row in crossings.itertuples():
        a, b = row.subject.split("–")
        strength = result.strength(a, b)
        assert row.strength_before == strength[row.step - 1]
        assert row.strength_after == strength[row.step]
        before, after = row.detail.split(" → ")
        levels = result.levels(a, b)
        assert (levels[row.step - 1], levels[row.step]) in {
            (before, after), (before, "formal_alliance"), ("formal_alliance", after)
        }  # fmt: skip


def test_event_log_reads_the_same_during_and_after_a_run(flagship):
    """The page reads the log after every step; reading must not change what is logged."""
    model = AlignmentModel(flagship, rng=2, collect=False)
    seen = []
    for _ in range(flagship.steps):
        model.step()
        seen = list(model.recorder.events)
        assert len(seen) == len(model.recorder.events)
    whole = run(flagship, seed=2, steps=flagship.steps, compiled=True).recorder.events
    assert seen == list(whole)
    frame = result_of(model).events_frame()
    assert len(frame) == len(seen)
    assert frame["subject"].tolist() == [row["subject"] for row in seen]


def frustration_of(P, N, lab):
    same = lab[:, None] == lab[None, :]
    return (np.where(same, N, 0.0).sum() + np.where(same, 0.0, P).sum()) / 2


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    n=st.integers(2, 25),
    rounded=st.booleans(),
    max_blocs=st.integers(1, 25),
)
def test_relocation_ends_where_no_single_move_helps(seed, n, rounded, max_blocs):
    rng = np.random.default_rng(seed)
    T = np.triu(rng.uniform(-1, 1, (n, n)), 1)
    T = np.round(T + T.T) if rounded else T + T.T  # rounding makes many exact ties
    P, N = np.maximum(T, 0), np.maximum(-T, 0)
    start = rng.integers(0, min(max_blocs, n), n)
    lab = _relocate(P, N, start.copy(), max_blocs, 1e-12)
    assert frustration_of(P, N, lab) <= frustration_of(P, N, start) + 1e-12
    assert list(np.unique(lab)) == list(range(lab.max() + 1))  # compact labels
    k = lab.max() + 1
    assert k <= max(max_blocs, np.unique(start).size)
    best = frustration_of(P, N, lab)
    for i in range(n):
        for b in range(k + 1 if k < max_blocs else k):
            moved = lab.copy()
            moved[i] = b
            assert frustration_of(P, N, moved) >= best - 1e-9


def test_classify_matches_the_level_bands():
    from alignsim.model.metrics import LevelBands

    ties = np.linspace(-1, 1, 441).reshape(21, 21)  # every band, and each threshold exactly
    bands = LevelBands(-0.6, -0.2, 0.2, 0.6)
    codes = np.zeros(ties.shape, dtype=np.int8)
    compiled.classify(ties, -0.6, -0.2, 0.2, 0.6, codes)
    np.testing.assert_array_equal(codes, bands.codes(ties))


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**16), n=st.integers(1, 140), signed_share=st.floats(0.0, 1.0))
def test_triads_counted_with_bit_sets_match_the_matrix_products(seed, n, signed_share):
    """Worlds of more than 64 states need several words per neighbourhood."""
    from alignsim.model.metrics import balance_ratio, recorded_metrics

    rng = np.random.default_rng(seed)
    T = np.triu(rng.uniform(-1, 1, (n, n)) * (rng.random((n, n)) < signed_share), 1)
    T = T + T.T
    upper = np.triu_indices(n, 1)
    strength = T[upper][None]
    metrics = recorded_metrics(
        strength, np.zeros_like(strength, dtype=np.int8), np.zeros((1, n), dtype=np.int64),
        n=n, rival=-0.3, partner=0.3, alliance=0.6, pairs={}, triangles={},
    )  # fmt: skip
    ratio, triads = balance_ratio(T, -0.3, 0.3)
    assert metrics["balance_ratio"][0] == ratio
    assert metrics["closed_triads"][0] == triads


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    n=st.integers(2, 40),
    planted=st.integers(0, 4),
    rounded=st.booleans(),
    max_blocs=st.sampled_from([None, 2, 3]),
)
def test_compiled_bloc_search_matches_the_numpy_search(seed, n, planted, rounded, max_blocs):
    """Random and planted (k camps plus noise) networks; rounding makes exact ties."""
    from alignsim.model.blocs import _full_search, _full_search_numpy, _Problem

    rng = np.random.default_rng(seed)
    if planted:
        camp = rng.integers(0, planted, n)
        T = np.where(camp[:, None] == camp[None, :], 0.7, -0.6) + rng.normal(0, 0.4, (n, n))
    else:
        T = rng.uniform(-1, 1, (n, n))
    T = np.triu(np.round(T) if rounded else T, 1)
    problem = _Problem.of(np.clip(T + T.T, -1, 1), 0.2, max_blocs)
    if problem is not None:
        np.testing.assert_array_equal(_full_search(problem), _full_search_numpy(problem))


@pytest.mark.parametrize("activation", ["random", "simultaneous"])
@pytest.mark.parametrize("balance_norm", ["paths", "mean"])
def test_large_world_same_run(activation, balance_norm):
    """Above 32 states the simultaneous step takes T·T and |T|·|T| from BLAS."""
    scenario = random_scenario(
        11, 40, 3, steps=10, activation=activation, balance_norm=balance_norm, noise=0.1
    )
    assert_same_run(scenario, seed=11, steps=10)


def test_other_agent_classes_run_the_numpy_code(flagship):
    from alignsim.model.state import State

    class Cautious(State):
        def step(self) -> None:
            super().step()

    from alignsim.model.model import _compilable

    model = AlignmentModel(flagship, rng=1, collect=False)
    assert model.compiled and _compilable(model.payoffs, model.rule, model.states)
    model.states[0].__class__ = Cautious  # as a subclass of AlignmentModel would create it
    assert not _compilable(model.payoffs, model.rule, model.states)


def test_loops_compile_without_a_writable_cache(monkeypatch):
    """Where Numba finds no writable cache folder the loops still compile, in memory."""
    real = compiled.njit

    def refusing(*args, cache=False, **options):
        if cache:
            raise RuntimeError("cannot cache function: no locator available")
        return real(*args, **options)

    monkeypatch.setattr(compiled, "njit", refusing)

    def add(a, b):
        return a + b

    assert compiled._jit()(add)(2, 3) == 5
