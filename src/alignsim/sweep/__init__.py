"""Parameter sweeps: many runs of one scenario over a design of parameter values.

A sweep file names a base scenario, the scenario paths to vary (lists or ranges),
a design (grid, random, Latin hypercube, Sobol or Morris), replications and the
outcomes to measure::

    from alignsim.sweep import load_sweep, design_points, overrides_for
    sweep = load_sweep("scenarios/sweeps/alliance_phase.yaml")
    for _, row in design_points(sweep).iterrows():
        print(overrides_for(sweep, row))
"""

from .designs import design_points, overrides_for
from .spec import (
    DEFAULT_OUTCOMES,
    KNOWN_OUTCOMES,
    Design,
    ParameterSpec,
    Sweep,
    SweepError,
    load_sweep,
    load_sweep_text,
)

__all__ = [
    "DEFAULT_OUTCOMES",
    "KNOWN_OUTCOMES",
    "Design",
    "ParameterSpec",
    "Sweep",
    "SweepError",
    "design_points",
    "load_sweep",
    "load_sweep_text",
    "overrides_for",
]
