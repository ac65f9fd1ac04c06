"""Random valid scenarios of any size, for the scale benchmark and the naive-oracle tests.

``random_document`` builds a plain scenario document (what a YAML file would hold) from a
seed; ``random_scenario`` validates it with the same schema as scenario files. Every kind
of event action appears (stances, salience, power, ties, relations, parameters, corridors),
so a reference implementation compared on these scenarios is compared on all the rules.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from alignsim.scenario import Scenario


def random_document(
    seed: int,
    n_states: int = 6,
    n_dims: int = 3,
    *,
    steps: int = 10,
    noise: float = 0.0,
    activation: str = "simultaneous",
    rule: str = "relax",
    balance_norm: str = "paths",
    socialization: float = 0.0,
    power_weight: float = 0.0,
    stochastic: bool = False,
    relations_per_state: float = 4.0,
) -> dict[str, Any]:
    """A valid scenario document with random stances, relations, corridors and events.

    Relations are sparse (about ``relations_per_state`` per state), as in real scenarios,
    so documents stay small at hundreds of states. ``stochastic`` adds an event that fires
    by chance; without it every event is dated, so a run with ``noise=0`` is deterministic.
    """
    rng = np.random.default_rng(seed)
    kinds = ["shared" if rng.random() < 0.5 else "complementary" for _ in range(n_dims)]
    kinds[-1] = "complementary"  # so corridors have something to boost
    dims = {f"d{k}": {"kind": kind} for k, kind in enumerate(kinds)}
    names = [f"S{i}" for i in range(n_states)]

    def vector(low: float) -> dict[str, float]:
        return {d: round(float(rng.uniform(low, 1.0)), 6) for d in dims}

    states = {
        name: {"power": round(float(rng.uniform(0.05, 1.0)), 6), "interests": vector(-1.0),
               "salience": vector(0.0)}
        for name in names
    }  # fmt: skip
    n_pairs = n_states * (n_states - 1) // 2
    count = min(n_pairs, int(relations_per_state * n_states / 2) + 1)
    chosen = rng.choice(n_pairs, size=count, replace=False) if n_pairs else []
    rows, cols = np.triu_indices(n_states, 1)
    relations = [
        {"between": [names[rows[p]], names[cols[p]]], "value": round(float(rng.uniform(-1, 1)), 6)}
        for p in sorted(int(c) for c in chosen)
    ]
    doc: dict[str, Any] = {
        "name": f"random-{n_states}-{seed}",
        "steps": steps,
        "seed": seed,
        "dimensions": dims,
        "states": states,
        "relations": relations,
        "params": {
            "noise": noise,
            "activation": activation,
            "rule": rule,
            "balance_norm": balance_norm,
            "socialization": socialization,
            "power_weight": power_weight,
            "balance_weight": round(float(rng.uniform(0.2, 0.8)), 3),
            "history_weight": round(float(rng.uniform(0.1, 0.6)), 3),
            "steepness": round(float(rng.uniform(1.0, 3.0)), 3),
        },
        "events": [],
    }
    if n_states >= 2:
        a, b = names[0], names[1]
        route = names[: min(n_states, 4)]
        doc["corridors"] = {
            "route": {"route": route, "status": "planned", "boost": 0.4},
            "line": {"route": [b, a], "status": "active", "boost": 0.2,
                     "dimensions": [f"d{n_dims - 1}"]},
        }  # fmt: skip
        last = f"d{n_dims - 1}"
        doc["events"] = [
            {"at": 1, "note": "stance shift", "shift": {a: {"d0": 0.3}}},
            {"at": 2, "note": "stance set", "set": {b: {last: -0.5}}},
            {"at": 2, "note": "tie shift", "tie": {"between": [a, b], "shift": -0.4}},
            {"at": 3, "note": "salience", "salience": {"shift": {a: {"d0": -0.3}},
                                                       "set": {b: {last: 0.9}}}},
            {"at": 3, "note": "power", "power": {"shift": {a: 0.2}, "set": {b: 0.5}}},
            {"at": 4, "note": "corridor opens", "corridor": {"route": "active", "line": "blocked"}},
            {"at": 5, "note": "relation", "relation": {"between": [a, b], "set": 0.7}},
            {"at": 6, "note": "tie set", "tie": [{"between": [a, b], "set": 0.9}]},
            {"at": 7, "note": "param", "param": {"shift": {"balance_weight": 0.1},
                                                 "set": {"tie_cost": 0.08}}},
        ]  # fmt: skip
        if stochastic:
            doc["events"].append(
                {"from": 1, "to": max(steps, 1), "probability": 0.3, "note": "shock",
                 "shift": {names[-1]: {"d0": -0.1}}}
            )  # fmt: skip
        doc["watch"] = {"pairs": [[a, b]]}
        if n_states >= 3:
            doc["watch"]["triangles"] = [names[:3]]
    return doc


def random_scenario(seed: int, n_states: int = 6, n_dims: int = 3, **options: Any) -> Scenario:
    """``random_document`` validated by the scenario schema."""
    return Scenario.model_validate(random_document(seed, n_states, n_dims, **options))
