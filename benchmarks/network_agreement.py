"""How often a run of the imported Correlates of War scenario gets later windows' signs right.

Runs ``scenarios/cow/cow_1946.yaml`` (window 46-49, dated 1949) with ``--seeds`` seeds and
compares the sign of every pair in the world at a later window's date with that window's
sign in ``data/cow_signed/edges.csv``: +1 at or above the partner threshold, -1 at or below
the rival threshold, 0 between (as docs/observed.md reads a strength). "Persistence" predicts
that nothing changes: each pair keeps its 46-49 sign (0 for a state not in 46-49). The pairs
counted are those of two states in the later window (both in the world then); "tied pairs"
are those with a tie in 46-49 or in the later window, where the two predictions can differ
most. Variants change the scenario's parameters to show what each default is for.

    .venv/bin/python benchmarks/network_agreement.py --seeds 20

(docs/networks.md, "How well a run does", has the tables and this command.)
"""

from __future__ import annotations

import argparse
import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from alignsim.model.simulate import simulate
from alignsim.scenario import Scenario, load_scenario
from alignsim.scenario.network_import.edges import SignedNetworks, Window, read_networks

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "cow" / "cow_1946.yaml"
EDGES = ROOT / "data" / "cow_signed" / "edges.csv"
START = "46-49"
#: The later non-overlapping windows the longer table reads.
LATER = ("50-53", "54-57", "62-65", "70-73", "86-89")
#: Parameter changes that show what each default of the import is for.
VARIANTS: dict[str, list[str]] = {
    "import defaults": [],
    "tie_cost 0.05 (the model's default)": ["params.tie_cost=0.05"],
    "break_threshold 0.05 (the model's default)": ["params.break_threshold=0.05"],
    "form_threshold 0.55": ["params.form_threshold=0.55"],
    "form_threshold 0.55, tie_cost 0.05": ["params.form_threshold=0.55", "params.tie_cost=0.05"],
    "form_threshold 0.2, break 0.05, cost 0.05 (threshold rule, model defaults)": [
        "params.form_threshold=0.2", "params.break_threshold=0.05", "params.tie_cost=0.05",
    ],
    "relax rule, cost 0.05 (the model's defaults)": [
        "params.rule=relax", "params.tie_cost=0.05",
    ],
}  # fmt: skip


@dataclass(frozen=True)
class Score:
    """Sign agreement of one prediction with one window."""

    pairs: int
    agree: float
    tied_pairs: int
    tied_agree: float
    ties: int
    """Pairs the prediction gives a tie (of either sign)."""


def sign_of(strength: float, scenario: Scenario) -> int:
    """The sign of a tie strength by the level bands (docs/observed.md)."""
    bands = scenario.params.thresholds
    return 1 if strength >= bands.partner else -1 if strength <= bands.rival else 0


def score(predicted: dict[frozenset[str], int], start: Window, window: Window) -> Score:
    """Agreement of ``predicted`` signs with ``window`` over its pairs; ``start`` names the
    pairs tied at the start, which count among the tied pairs."""
    pairs = [frozenset(p) for p in itertools.combinations(sorted(window.states), 2)]
    hits = [predicted.get(p, 0) == window.signs.get(p, 0) for p in pairs]
    tied = [
        h for p, h in zip(pairs, hits, strict=True) if start.signs.get(p) or window.signs.get(p)
    ]
    ties = sum(1 for p in pairs if predicted.get(p, 0))
    return Score(len(pairs), float(np.mean(hits)), len(tied), float(np.mean(tied)), ties)


def run_signs(scenario: Scenario, seed: int, step: int) -> dict[frozenset[str], int]:
    """The sign of every pair at ``step`` of one run."""
    result = simulate(scenario, seed=seed, steps=step, log=False, blocs=False)
    ties, names = result.tie_matrix(step), result.names
    return {
        frozenset((names[i], names[j])): sign
        for i, j in zip(*np.triu_indices(len(names), 1), strict=True)
        if (sign := sign_of(float(ties[i, j]), scenario))
    }


def model_scores(
    scenario: Scenario, networks: SignedNetworks, label: str, seeds: int
) -> list[Score]:
    """One score per seed: runs from the start window to ``label``'s date."""
    start, window = _window(networks, START), _window(networks, label)
    assert window.last_year is not None and start.last_year is not None
    step = window.last_year - start.last_year
    return [score(run_signs(scenario, seed, step), start, window) for seed in range(seeds)]


def persistence(networks: SignedNetworks, label: str) -> Score:
    """Nothing changes: every pair keeps its start-window sign."""
    start = _window(networks, START)
    return score(dict(start.signs), start, _window(networks, label))


def _window(networks: SignedNetworks, label: str) -> Window:
    return networks.windows[networks.index(label)]


def _row(name: str, scores: list[Score]) -> str:
    agree = [s.agree for s in scores]
    tied = [s.tied_agree for s in scores]
    span = f" ({min(agree):.2%} to {max(agree):.2%})" if len(scores) > 1 else ""
    ties = np.mean([s.ties for s in scores])
    return f"| {name} | {np.mean(agree):.2%}{span} | {np.mean(tied):.1%} | {ties:.0f} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=20, help="runs per variant (default 20)")
    args = parser.parse_args()
    networks = read_networks(EDGES)
    first = persistence(networks, LATER[0])
    ties = sum(1 for sign in _window(networks, LATER[0]).signs.values() if sign)
    print(f"## 1953 (window {LATER[0]}): {first.pairs} pairs, {first.tied_pairs} tied in "
          f"{START} or {LATER[0]}, {ties} ties in the data\n")  # fmt: skip
    print("| prediction | signs right, all pairs (range over seeds) | tied pairs | ties |")
    print("|---|---:|---:|---:|")
    print(_row("persistence (nothing changes)", [first]))
    for name, overrides in VARIANTS.items():
        scenario = load_scenario(SCENARIO, overrides=overrides)
        print(_row(name, model_scores(scenario, networks, LATER[0], args.seeds)))
    print("\n## Later windows, import defaults\n")
    print("| window (date) | pairs | model | persistence | model, tied pairs | "
          "persistence, tied pairs |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|")
    scenario = load_scenario(SCENARIO)
    for label in LATER:
        model, still = (
            model_scores(scenario, networks, label, args.seeds),
            persistence(networks, label),
        )
        year = _window(networks, label).last_year
        tied = np.mean([s.tied_agree for s in model])
        print(f"| {label} ({year}) | {still.pairs} | {np.mean([s.agree for s in model]):.2%} | "
              f"{still.agree:.2%} | {tied:.1%} | {still.tied_agree:.1%} |")  # fmt: skip


if __name__ == "__main__":
    main()
