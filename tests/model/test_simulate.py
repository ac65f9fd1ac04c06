"""simulate(): BLAS threads, and stepping without Mesa's event list."""

from __future__ import annotations

import pytest
from benchmarks.random_scenarios import random_scenario
from threadpoolctl import threadpool_info, threadpool_limits

from alignsim.model import AlignmentModel, simulate
from alignsim.model.simulate import THREAD_VARIABLES, result_of


def _blas_threads() -> set[int]:
    return {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}


@pytest.fixture
def two_blas_threads(monkeypatch):
    for name in THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    if not _blas_threads():
        pytest.skip("no BLAS library is loaded")
    with threadpool_limits(2, user_api="blas"):
        yield


def test_large_worlds_run_with_one_blas_thread(two_blas_threads):
    seen: list[set[int]] = []
    simulate(random_scenario(1, 40, 2, steps=2), progress=lambda done: seen.append(_blas_threads()))
    assert seen and all(threads == {1} for threads in seen)
    assert _blas_threads() == {2}  # given back on the way out


def test_small_worlds_leave_blas_threads_alone(two_blas_threads):
    seen: list[set[int]] = []
    simulate(random_scenario(1, 12, 2, steps=2), progress=lambda done: seen.append(_blas_threads()))
    assert seen and all(threads == {2} for threads in seen)


def test_a_thread_count_chosen_in_the_environment_is_kept(two_blas_threads, monkeypatch):
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "2")
    seen: list[set[int]] = []
    simulate(random_scenario(1, 40, 2, steps=2), progress=lambda done: seen.append(_blas_threads()))
    assert all(threads == {2} for threads in seen)


@pytest.mark.parametrize("activation", ["random", "simultaneous"])
def test_stepping_directly_equals_mesas_run_for(activation):
    scenario = random_scenario(4, 10, 3, steps=15, noise=0.05, activation=activation,
                               stochastic=True)  # fmt: skip
    model = AlignmentModel(scenario, rng=9, collect=False)
    model.run_for(15)
    by_mesa = result_of(model, 9)
    direct = simulate(scenario, seed=9)
    assert (model.steps, model.time) == (15, 15.0)
    assert (direct.recorder.strength == by_mesa.recorder.strength).all()
    assert direct.events_frame().equals(by_mesa.events_frame())
    assert direct.metrics_frame().equals(by_mesa.metrics_frame())
