"""Shared look of every figure: colour-blind-safe colours and deterministic PNG output."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

#: Okabe & Ito (2008) colour-blind-safe palette.
OKABE_ITO = [
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#009E73",  # bluish green
    "#F0E442",  # yellow
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#000000",
]
POSITIVE = "#009E73"
NEGATIVE = "#D55E00"
UNALIGNED = "#BBBBBB"
LINE_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#000000"]

plt.rcParams.update(
    {
        "font.size": 11,
        "axes.titlesize": 13,
        "axes.labelsize": 11,
        "legend.fontsize": 9,
        "figure.dpi": 100,
        "svg.hashsalt": "alignsim",
    }
)


def bloc_colour(bloc: int) -> str:
    return UNALIGNED if bloc <= 0 else OKABE_ITO[(bloc - 1) % len(OKABE_ITO)]


def save(fig: plt.Figure, path: Path) -> Path:
    """Save without timestamps or software tags, so equal runs give equal bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, metadata={"Software": None}, bbox_inches="tight")
    plt.close(fig)
    return path
