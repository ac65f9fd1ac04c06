"""Compile alignsim's loops before the first run: ``python -m alignsim.model.warmup``.

Numba compiles each loop of ``compiled.py`` on first use and caches the machine code beside
the source (or in its user cache), so without this the first run on a machine spends some
ten seconds compiling. The set-up scripts run it once after installing. It runs a small
world through every compiled path: both activation orders, levels, blocs and metrics.
"""

from __future__ import annotations

import sys
import time

#: Six states in two camps, with noise, so that ties cross levels and blocs form and move.
_STATES = [("A", 0.9, 0.5), ("B", 0.8, -0.5), ("C", 0.7, 0.2), ("D", -0.9, 0.5),
           ("E", -0.8, -0.5), ("F", -0.7, 0.1)]  # fmt: skip
_DOCUMENT = {
    "name": "warm-up",
    "steps": 30,
    "dimensions": {"d": {"kind": "shared"}, "e": {"kind": "complementary"}},
    "states": {name: {"power": 1.0, "interests": {"d": d, "e": e}} for name, d, e in _STATES},
    "params": {"noise": 0.2},
}


def warm_up() -> float:
    """Run the small world in both activation orders; returns the seconds it took."""
    from alignsim.model.simulate import simulate
    from alignsim.scenario import Scenario

    start = time.perf_counter()
    for activation in ("random", "simultaneous"):
        document = {**_DOCUMENT, "params": {**_DOCUMENT["params"], "activation": activation}}
        result = simulate(Scenario.model_validate(document), seed=1)
        result.recorder.metrics  # noqa: B018 - computed on first read
        result.events_frame()
    _relocation_of_large_worlds(result.recorder.strength.shape[1])
    return time.perf_counter() - start


def _relocation_of_large_worlds(pairs: int) -> None:
    """Compile the relocation loop that the bloc search of large worlds calls on its own.

    The small world above reaches it only inside the compiled dense search, and a caller
    loaded from Numba's cache does not compile what it calls: without this, the first run of
    a world too large for the dense search would compile it.
    """
    import numpy as np

    from alignsim.model.blocs import _relocate

    n = len(_STATES)
    ties = np.zeros((n, n))
    ties[np.triu_indices(n, 1)] = np.linspace(-1.0, 1.0, pairs)
    ties += ties.T
    _relocate(np.clip(ties, 0.0, None), np.clip(-ties, 0.0, None), np.zeros(n, np.intp), 3, 1e-12)


if __name__ == "__main__":
    seconds = warm_up()
    print(f"alignsim: compiled loops ready ({seconds:.1f} s)", file=sys.stderr)
