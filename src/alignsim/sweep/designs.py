"""Design points: which parameter values each run of a sweep uses.

Every design is deterministic given the sweep's root seed. ``grid`` takes every
combination (the first parameter varies slowest); ``random`` and ``lhs`` draw
``samples`` points (uniform within ranges, a list value chosen uniformly or by
stratum); ``sobol`` (Saltelli's scheme, first and total order) and ``morris``
(elementary effects) come from SALib so its analysers can read the results.

A sweep over several scenario files crosses the design with them: the column ``scenario``
(the variant's label) comes first and varies slowest, so points ``0..D-1`` run the first
scenario, ``D..2D-1`` the second, and so on, each with the same D parameter rows.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .spec import DEFAULT_LEVELS, VARIANT, ParameterSpec, Sweep, format_value, plain


def _grid_values(spec: ParameterSpec) -> list[Any]:
    if spec.values is not None:
        return list(spec.values)
    assert spec.low is not None and spec.high is not None and spec.num is not None
    return _numbers(spec, np.linspace(spec.low, spec.high, spec.num))


def _scaled(spec: ParameterSpec, unit: np.ndarray) -> list[Any]:
    """Values in [0, 1] mapped onto the parameter: into its range, or onto its list by index."""
    if spec.values is not None:
        k = len(spec.values)
        index = np.minimum((np.asarray(unit) * k).astype(int), k - 1)
        return [spec.values[i] for i in index]
    assert spec.low is not None and spec.high is not None
    return _numbers(spec, spec.low + np.asarray(unit, dtype=float) * (spec.high - spec.low))


def _numbers(spec: ParameterSpec, values: np.ndarray) -> list[Any]:
    if spec.integer:
        return [int(v) for v in np.rint(values)]
    return [float(v) for v in values]


def _salib_problem(sweep: Sweep) -> dict[str, Any]:
    names = list(sweep.parameters)
    bounds = [[sweep.parameters[n].low, sweep.parameters[n].high] for n in names]
    return {"num_vars": len(names), "names": names, "bounds": bounds}


def _columns(sweep: Sweep) -> dict[str, list[Any]]:
    design = sweep.design
    specs = list(sweep.parameters.values())
    rng = np.random.default_rng(sweep.seed)
    if design.method == "grid":
        rows = list(itertools.product(*(_grid_values(s) for s in specs)))
        return {s.path: [row[i] for row in rows] for i, s in enumerate(specs)}
    samples = design.samples
    assert samples is not None
    if design.method == "random":
        out = {}
        for s in specs:
            if s.values is not None:
                picks = rng.integers(0, len(s.values), size=samples)
                out[s.path] = [s.values[i] for i in picks]
            else:
                assert s.low is not None and s.high is not None
                out[s.path] = _numbers(s, rng.uniform(s.low, s.high, size=samples))
        return out
    if design.method == "lhs":
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=len(specs), rng=rng).random(samples)
        return {s.path: _scaled(s, unit[:, i]) for i, s in enumerate(specs)}
    problem = _salib_problem(sweep)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SALib's advice about powers of two
        if design.method == "sobol":
            from SALib.sample import sobol

            matrix = sobol.sample(problem, samples, calc_second_order=False, seed=sweep.seed)
        else:
            from SALib.sample import morris

            levels = design.levels or DEFAULT_LEVELS
            matrix = morris.sample(problem, samples, num_levels=levels, seed=sweep.seed)
    return {s.path: _numbers(s, matrix[:, i]) for i, s in enumerate(specs)}


def design_points(sweep: Sweep) -> pd.DataFrame:
    """One row per design point: ``point`` (0..P-1), ``scenario`` when the sweep has
    scenario variants, then one column per parameter path."""
    columns = _columns(sweep) if sweep.parameters else {}
    count = len(next(iter(columns.values()))) if columns else 1
    if sweep.variants:
        labels = list(sweep.variants)
        columns = {
            VARIANT: [label for label in labels for _ in range(count)],
            **{path: list(values) * len(labels) for path, values in columns.items()},
        }
        count *= len(labels)
    frame: dict[str, Any] = {"point": np.arange(count, dtype=np.int64)}
    for path, values in columns.items():
        if all(isinstance(v, float) for v in values):
            frame[path] = np.asarray(values, dtype=np.float64)
        elif all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            frame[path] = np.asarray(values, dtype=np.int64)
        else:
            frame[path] = pd.Series(values, dtype=object)
    return pd.DataFrame(frame)


def overrides_for(sweep: Sweep, row: Mapping[str, Any] | pd.Series) -> list[str]:
    """``PATH=VALUE`` overrides (scenario ``--set`` syntax) for one design point."""
    out = []
    for path, spec in sweep.parameters.items():
        value = plain(row[path])
        if spec.integer and isinstance(value, float) and value.is_integer():
            value = int(value)
        elif (
            not spec.integer
            and isinstance(value, int)
            and not isinstance(value, bool)
            and (spec.values is None or all(isinstance(v, float) for v in spec.values))
        ):
            value = float(value)  # a float column read back as int (e.g. 1.0 -> 1)
        out.append(f"{path}={format_value(value, spec.integer)}")
    return out
