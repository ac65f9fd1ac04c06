"""``alignsim compare``'s files for two runs: the table and its figure."""

from __future__ import annotations

from pathlib import Path

from alignsim.analysis.compare import Comparison, write_comparison_table
from alignsim.viz.compare import plot_comparison


def write_comparison(comparison: Comparison, out: Path) -> tuple[Path, Path]:
    """``compare.csv`` and ``compare.png`` in ``out``."""
    csv = write_comparison_table(comparison, out)
    return csv, plot_comparison(comparison, Path(out) / "compare.png")
