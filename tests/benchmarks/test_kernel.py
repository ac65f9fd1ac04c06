"""The benchmark's bare kernel computes the same ties as the engine (no events, no noise)."""

from __future__ import annotations

import numpy as np
from benchmarks.random_scenarios import random_scenario

from alignsim.model.model import AlignmentModel
from benchmarks import kernel


def test_kernel_matches_the_engine():
    scenario = random_scenario(5, 30, 3, steps=25, noise=0.0)
    scenario.events = []
    model = AlignmentModel(scenario, collect=False)
    for _ in range(25):
        model.step()
    ties, static, params = kernel.setup(scenario)
    np.testing.assert_allclose(kernel.run(ties, static, params, 25, seed=0), model.world.ties,
                               atol=1e-12)  # fmt: skip
