"""``alignsim explain``'s files: the pair's table and its figure, beside the run."""

from __future__ import annotations

from pathlib import Path

from alignsim.analysis.explain import Explanation, write_explanation_table
from alignsim.io.run_folder import update_manifest
from alignsim.viz.explain import plot_explanation


def write_explanation(
    explanation: Explanation, run_dir: Path, command: list[str] | None = None
) -> tuple[Path, Path]:
    """``explain/<A>-<B>.csv`` and ``.png`` in the run folder; with ``command``, the
    manifest records it."""
    csv = write_explanation_table(explanation, run_dir)
    png = plot_explanation(explanation, csv.with_suffix(".png"))
    if command is not None:
        update_manifest(run_dir, command)
    return csv, png
