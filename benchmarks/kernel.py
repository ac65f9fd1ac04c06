"""The bare numpy kernel of the tie update: the floor any implementation of the rule pays.

A loop with nothing but the matrix update of ``activation: simultaneous`` with the relax
rule and ``balance_norm: paths``: the static payoff (interest, history, power, cost) once,
then per step the balance term, the noise draw, the mutual payoff and the relaxation. No
events, levels, crossings, blocs, metrics or recording. The benchmark compares alignsim's
whole run with it; tests/benchmarks/test_kernel.py checks it computes the same ties.
"""

from __future__ import annotations

import numpy as np

from alignsim.model.payoffs import Payoffs
from alignsim.model.world import World


def setup(scenario) -> tuple[np.ndarray, np.ndarray, dict]:
    """Initial ties, the static payoff matrix and the parameters of a scenario."""
    world = World.from_scenario(scenario)
    payoffs = Payoffs(world)
    rng = np.random.default_rng(0)  # static terms draw nothing
    static = sum(term.parts(world, rng).sum(axis=0) for term in payoffs.terms if not term.dynamic)
    return world.ties.copy(), static, dict(world.params)


def run(ties: np.ndarray, static: np.ndarray, params: dict, steps: int, seed: int) -> np.ndarray:
    """``steps`` simultaneous relax updates; returns the final ties."""
    rng = np.random.default_rng(seed)
    beta, floor = params["balance_weight"], params["balance_floor"]
    eta, kappa, noise = params["learning_rate"], params["steepness"], params["noise"]
    n = ties.shape[0]
    T = ties.copy()
    for _ in range(steps):
        A = np.abs(T)
        U = static + beta * (T @ T) / (floor + A @ A)
        if noise > 0:
            U += rng.normal(0.0, noise, size=(n, n))
        M = np.minimum(U, U.T)
        T += eta * (np.tanh(kappa * M) - T)
        np.clip(T, -1.0, 1.0, out=T)
        np.fill_diagonal(T, 0.0)
    return T
