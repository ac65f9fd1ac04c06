"""``alignsim discover``: PRIM over a sweep folder → ``boxes.csv``, ``box.csv`` →
``discover.png``.

::

    from alignsim.workflows.discover import run_discover
    done = run_discover("results/sweeps/phase", "triangle_alliance")
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alignsim.analysis.discover import (
    PNG,
    Discovery,
    check_destination,
    default_out,
    discover,
    figure_heading,
    in_words,
    write_tables,
)
from alignsim.viz.discover import write_discover_figure


@dataclass(frozen=True)
class Discovered:
    """What ``run_discover`` found and the files it wrote."""

    discovery: Discovery
    out: Path
    boxes: Path
    box: Path
    figure: Path


def run_discover(
    sweep_dir: str | Path,
    outcome: str,
    *,
    threshold: float | None = None,
    box: int | None = None,
    out: str | Path | None = None,
) -> Discovered:
    """PRIM on the sweep folder ``sweep_dir`` for ``outcome``, written into ``out`` (default
    ``SWEEP_DIR/discover/<outcome>``, which must not hold files yet). Raises
    :class:`~alignsim.analysis.discover.DiscoverError` for input it cannot use."""
    found = discover(sweep_dir, outcome, threshold=threshold, box=box)
    given = out is not None
    out = Path(out) if given else default_out(sweep_dir, found.outcome)
    check_destination(out, given=given)
    boxes, box_csv = write_tables(found, out)
    figure = write_discover_figure(
        found.boxes, found.box(), found.chosen, figure_heading(found), out / PNG,
        min_coverage=found.min_coverage, note=f"In words: {in_words(found)}.",
    )  # fmt: skip
    return Discovered(found, out, boxes, box_csv, figure)
