"""Shared fixtures: small scenarios built in code, and the shipped flagship."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, settings

from alignsim.scenario import load_scenario, load_scenario_text

ROOT = Path(__file__).resolve().parents[1]
FLAGSHIP = ROOT / "scenarios" / "pakistan_china_russia.yaml"

# Hypothesis by default fails an example that takes over 200 ms (``deadline``) and a test
# whose examples are slow to generate (``HealthCheck.too_slow``): both measure wall-clock
# time, which a loaded machine stretches. Every property test here runs without them; a
# test's own ``@settings`` still overrides the rest.
settings.register_profile("alignsim", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("alignsim")


def random_document(
    seed: int,
    n_states: int = 5,
    n_dims: int = 3,
    *,
    noise: float = 0.05,
    activation: str = "random",
    rule: str = "relax",
    steps: int = 6,
) -> dict:
    """A valid scenario document with random stances, relations, a corridor and events."""
    rng = np.random.default_rng(seed)
    dims = {f"d{k}": {"kind": "shared" if k % 2 == 0 else "complementary"} for k in range(n_dims)}
    names = [f"S{i}" for i in range(n_states)]
    states = {
        name: {
            "power": float(rng.uniform(0.05, 1.0)),
            "interests": {d: float(rng.uniform(-1, 1)) for d in dims},
            "salience": {d: float(rng.uniform(0, 1)) for d in dims},
        }
        for name in names
    }
    relations = [
        {"between": [names[i], names[j]], "value": float(rng.uniform(-1, 1))}
        for i in range(n_states)
        for j in range(i + 1, n_states)
        if rng.random() < 0.5
    ]
    doc = {
        "name": f"random-{seed}",
        "steps": steps,
        "seed": seed,
        "dimensions": dims,
        "states": states,
        "relations": relations,
        "params": {"noise": noise, "activation": activation, "rule": rule},
        "events": [
            {"at": 2, "note": "shift", "shift": {names[0]: {"d0": 0.3}}},
            {"at": 3, "note": "tie", "tie": {"between": [names[0], names[1]], "shift": -0.4}},
            {"from": 1, "to": steps, "probability": 0.3, "note": "random shock",
             "shift": {names[-1]: {"d0": -0.1}}},
        ],
    }  # fmt: skip
    if n_states >= 3 and any(d["kind"] == "complementary" for d in dims.values()):
        doc["corridors"] = {"route": {"route": names[:3], "status": "planned", "boost": 0.4}}
        doc["events"].append({"at": 4, "note": "opens", "corridor": {"route": "active"}})
    return doc


def scenario_from(doc: dict):
    return load_scenario_text(yaml.safe_dump(doc, sort_keys=False), filename="<test>")


@pytest.fixture(scope="session")
def flagship():
    return load_scenario(FLAGSHIP)


@pytest.fixture
def small_scenario():
    return scenario_from(random_document(1))


#: Slow end-to-end tests of files that do not mark themselves ``slow``, each with why it is
#: slow: ``scripts/test -m "not slow"`` leaves them out for a quick pass (see the README).
#: An entry is a file, or a test of a file (all of its parameters).
SLOW_TESTS = {
    "tests/test_fuzz.py": "Hypothesis runs alignsim on generated files, also in processes",
    "tests/test_cli_run.py": "the command line as a process, and full flagship runs",
    "tests/test_edge_cases.py": "degenerate scenarios run through and plotted",
    "tests/test_docs_examples.py": "the README's examples, run",
    "tests/app/test_page.py": "the page rendered headlessly, stepping the flagship",
    "tests/viz/test_figures.py": "every figure drawn from runs",
    "tests/viz/test_animation.py": "animations encoded",
    "tests/viz/test_cli_viz.py": "plot and animate from the command line",
    "tests/analysis/test_explain.py": "explain re-simulates runs and draws its figure",
    "tests/analysis/test_compare.py": "compare runs two flagship runs and draws",
    "tests/sweep/test_sensitivity.py": "sensitivity sweeps, figures included",
    "tests/sweep/test_sweep_plots.py": "sweeps and their figures",
    "tests/sweep/test_runner.py::test_cli_sweep": "a sweep from the command line",
    "tests/sweep/test_runner.py::test_sweep_folder": "a whole sweep folder written",
    "tests/sweep/test_runner.py::test_summary": "a sweep run for its summary",
    "tests/sweep/test_runner.py::test_failing_runs_are_recorded_and_the_sweep_goes_on": (
        "a sweep with failing runs"
    ),
    "tests/sweep/test_runner.py::test_figures_are_drawn_when_the_plotting_module_is_there": (
        "a sweep and its figures"
    ),
    "tests/analysis/test_drivers.py::test_every_crossing_is_explained_in_its_direction": (
        "every crossing of several runs explained"
    ),
    "tests/model/test_blocs.py::test_find_blocs_properties": "a long property search",
    "tests/model/test_blocs.py::test_find_blocs_no_single_move_helps": "a long property search",
    "tests/scenario/test_broken_files.py::test_validate_never_raises_on_odd_input": (
        "a long property search"
    ),
    "tests/scenario/test_broken_files.py::test_alias_bomb_is_stopped_quickly": (
        "builds half a million values before refusing"
    ),
    "tests/model/test_warmup.py": "compiles the kernels in a fresh process",
    "tests/io/test_limits.py": "long runs written, read and explained",
}


def _listed(nodeid: str, entry: str) -> bool:
    return nodeid == entry or nodeid.startswith((f"{entry}::", f"{entry}["))


def pytest_collection_modifyitems(config, items) -> None:
    """Mark the tests of ``SLOW_TESTS`` slow."""
    for item in items:
        if any(_listed(item.nodeid, entry) for entry in SLOW_TESTS):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _close_figures():
    """Close the figures a test drew through pyplot: left open, they pile up in a worker
    and make matplotlib warn (a test that turns warnings into errors would then fail only
    when it happens to run after many others)."""
    yield
    import sys

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
