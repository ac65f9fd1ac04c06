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
    import importlib

    advance = importlib.import_module("alignsim.model.simulate")._advance
    scenario = random_scenario(4, 10, 3, steps=15, noise=0.05, activation=activation,
                               stochastic=True)  # fmt: skip
    by_mesa = AlignmentModel(scenario, rng=9, collect=False)
    by_mesa.run_for(15)
    direct = AlignmentModel(scenario, rng=9, collect=False)
    advance(direct, 15)
    assert (direct.steps, direct.time) == (by_mesa.steps, by_mesa.time) == (15, 15.0)
    assert not direct.running
    mesa_result, direct_result = result_of(by_mesa, 9), result_of(direct, 9)
    assert (direct_result.recorder.strength == mesa_result.recorder.strength).all()
    assert direct_result.events_frame().equals(mesa_result.events_frame())
    assert direct_result.metrics_frame().equals(simulate(scenario, seed=9).metrics_frame())
