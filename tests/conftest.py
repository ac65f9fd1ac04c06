"""Shared fixtures: small scenarios built in code, and the shipped flagship."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from alignsim.scenario import load_scenario, load_scenario_text

ROOT = Path(__file__).resolve().parents[1]
FLAGSHIP = ROOT / "scenarios" / "pakistan_china_russia.yaml"


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
