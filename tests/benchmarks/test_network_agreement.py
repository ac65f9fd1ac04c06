"""docs/networks.md reports what benchmarks/network_agreement.py measures: the first two rows
of its table for 1953 are recomputed here (persistence, and 20 runs of the COW scenario)."""

from __future__ import annotations

from pathlib import Path

from alignsim.scenario import load_scenario
from benchmarks import network_agreement as bench

DOC = Path(bench.ROOT) / "docs" / "networks.md"


def _doc_row(name: str) -> str:
    rows = [line for line in DOC.read_text(encoding="utf-8").splitlines()
            if line.startswith(f"| {name} |")]  # fmt: skip
    assert rows, name
    return rows[0]


def test_the_documented_agreement_in_1953_is_what_the_benchmark_measures():
    networks = bench.read_networks(bench.EDGES)
    still = bench.persistence(networks, "50-53")
    assert (still.pairs, still.tied_pairs) == (2556, 453)
    assert bench._row("persistence (nothing changes)", [still]) == _doc_row(
        "persistence (nothing changes)"
    )
    scores = bench.model_scores(load_scenario(bench.SCENARIO), networks, "50-53", 20)
    assert bench._row("import defaults", scores) == _doc_row("import defaults")
