"""Parameter sweeps: many runs of one scenario over a design of parameter values.

A sweep file names a base scenario, the scenario paths to vary (lists or ranges),
a design (grid, random, Latin hypercube, Sobol or Morris), replications and the
outcomes to measure. Running one gives a folder of Parquet chunks and a DataFrame::

    import alignsim.sweep as sweep
    runs = sweep.run("scenarios/sweeps/alliance_phase_diagram.yaml", out="results/phase",
                     workers=4)          # one row per run, sorted by point and replication
    runs = sweep.read_runs("results/phase")               # the same, read back later
    series = sweep.read_series("results/phase")           # per-step series, if kept
    sweep.run(out="results/phase", resume=True)           # finish a sweep that was killed

    spec = sweep.load_sweep("scenarios/sweeps/alliance_phase_diagram.yaml")
    for row in sweep.design_points(spec).to_dict("records"):
        print(sweep.overrides_for(spec, row))

See ``docs/sweeps.md``.
"""

from .designs import design_points, overrides_for
from .runner import SweepRun, execute, run
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
from .storage import StorageError, read_manifest, read_runs, read_series

__all__ = [
    "DEFAULT_OUTCOMES",
    "KNOWN_OUTCOMES",
    "Design",
    "ParameterSpec",
    "StorageError",
    "Sweep",
    "SweepError",
    "SweepRun",
    "design_points",
    "execute",
    "load_sweep",
    "load_sweep_text",
    "overrides_for",
    "read_manifest",
    "read_runs",
    "read_series",
    "run",
]
