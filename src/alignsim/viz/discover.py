"""``discover.png``: PRIM's peeling trajectory and the chosen box's limits.

Left, every box of the trajectory as density against coverage, coloured by how many
parameters it restricts, the chosen box ringed. Right, one strip per parameter: its sampled
range in grey, the chosen box's limits in blue, and (for a grid or a category) every
sampled value, filled when the box keeps it. Takes the tables ``boxes.csv`` and ``box.csv``
hold; it never reads a folder.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, MaxNLocator, MultipleLocator

from alignsim.viz.style import (
    OKABE_ITO,
    UNALIGNED,
    heading,
    inches,
    legend_width,
    minus,
    save,
    wrap_inches,
)

#: Sizes for a projector: nothing under 13 pt.
TITLE, LABEL, TICK = 15, 14, 13
BOX_COLOUR = "#0072B2"
RANGE_COLOUR = "#DDDDDD"
SEP = "; "
#: Inches: the figure's width, the trajectory's axes (square), one parameter strip.
WIDTH, PANEL, STRIP = 16.0, 5.4, 1.7
#: Inches above the panels: the two-line heading, then the panels' titles.
TOP = 1.55


def restricted_colour(count: int) -> str:
    """Colour of a box restricting ``count`` parameters (grey for none)."""
    return UNALIGNED if count <= 0 else OKABE_ITO[(count - 1) % len(OKABE_ITO)]


def _fmt(value: float) -> str:
    return minus(float(value), ".3g")


def _values(cell: object) -> list[str]:
    """The values listed in one cell of ``box.csv`` (empty, or NaN after a CSV round trip)."""
    if not isinstance(cell, str) or not cell:
        return []
    return cell.split(SEP)


def discover_figure(
    boxes: pd.DataFrame,
    box: pd.DataFrame,
    chosen: int,
    title: str,
    *,
    min_coverage: float | None = None,
    note: str = "",
) -> Figure:
    """The trajectory (``boxes``) and the limits of box ``chosen`` (``box``) under the
    two-line ``title``; ``min_coverage`` marks the default rule's coverage, if it chose, and
    ``note`` (the box in words) goes under the strips."""
    key = _key(boxes, min_coverage)
    right = 1.3 + PANEL + 0.25 + legend_width([h.get_label() for h in key], TICK, 1.6) + 0.5
    width = WIDTH - right - 0.3
    note_lines = wrap_inches(note, width, LABEL) if note else []
    column = len(box) * STRIP + (len(note_lines) * 0.3 + 0.4 if note_lines else 0.0)
    height = TOP + max(PANEL + 1.5, column + 0.3)
    fig = plt.figure(figsize=(WIDTH, height))
    top = height - TOP
    trajectory = fig.add_axes(inches(fig, 1.3, top - PANEL - 0.1, PANEL, PANEL))
    _draw_trajectory(trajectory, boxes, chosen, min_coverage, key)
    fig.text(right / WIDTH, (top + 0.25) / height,
             "\n".join(wrap_inches(f"Box {chosen}'s limits (blue) in each parameter's sampled "
                                    "range (grey)", width, LABEL, weight="bold")),
             fontsize=LABEL, ha="left", va="bottom", weight="bold")  # fmt: skip
    for i, spec in enumerate(box.itertuples(index=False)):
        bottom = top - (i + 1) * STRIP + 0.4
        _draw_strip(fig.add_axes(inches(fig, right, bottom, width, 0.5)), spec, width)
    if note_lines:
        fig.text(right / WIDTH, (top - len(box) * STRIP - 0.1) / height, "\n".join(note_lines),
                 fontsize=LABEL, ha="left", va="top", linespacing=1.4)  # fmt: skip
    heading(fig, title, fontsize=TITLE)
    return fig


def _key(boxes: pd.DataFrame, min_coverage: float | None) -> list[Line2D]:
    """The trajectory's legend: a dot per number of restricted parameters, and the rule."""
    counts = sorted(set(boxes["restricted"].astype(int)))
    key = [
        Line2D([], [], marker="o", ls="", markersize=11, markerfacecolor=restricted_colour(c),
               markeredgecolor="black", label=f"restricts {c}\nparameter{'' if c == 1 else 's'}")
        for c in counts
    ]  # fmt: skip
    if min_coverage is not None:
        key.append(Line2D([], [], color="black", ls=RULE, lw=1.2,
                          label=f"coverage {_fmt(min_coverage)}:\nthe default box\nis the "
                          "densest\nright of this line"))  # fmt: skip
    return key


def _draw_trajectory(
    ax: plt.Axes, boxes: pd.DataFrame, chosen: int, min_coverage: float | None, key: list
) -> None:
    coverage, density = boxes["coverage"].to_numpy(), boxes["density"].to_numpy()
    counts = boxes["restricted"].astype(int).to_numpy()
    ax.plot(coverage, density, color="#999999", lw=1.2, zorder=1)
    ax.scatter(coverage, density, s=80, c=[restricted_colour(c) for c in counts],
               edgecolor="black", linewidth=0.6, zorder=2)  # fmt: skip
    ax.scatter([coverage[chosen]], [density[chosen]], s=480, facecolor="none",
               edgecolor="black", linewidth=2.2, zorder=3)  # fmt: skip
    _limits(ax, coverage, density, min_coverage)
    _number_boxes(ax, coverage, density, chosen)
    _label_chosen(ax, coverage[chosen], density[chosen], chosen)
    if min_coverage is not None:
        ax.axvline(min_coverage, color="black", ls=RULE, lw=1.2, zorder=0)
    ax.set_xlabel("coverage: share of all cases of interest\nthat lie inside the box",
                  fontsize=LABEL)  # fmt: skip
    ax.set_ylabel("density: share of the box's runs\nthat are cases of interest", fontsize=LABEL)
    ax.tick_params(labelsize=TICK)
    ax.set_title("Peeling trajectory: each dot a box,\nfrom the whole sweep (box 0) inward",
                 fontsize=LABEL, loc="left", pad=14, weight="bold")  # fmt: skip
    ax.legend(handles=key, fontsize=TICK, loc="upper left", bbox_to_anchor=(1.02, 1.0),
              frameon=False, handlelength=1.6, labelspacing=0.8)  # fmt: skip


#: Dash pattern of the default rule's coverage line.
RULE = (0, (2, 2))
#: Boxes numbered one by one on the trajectory up to this many; beyond, every fifth.
NUMBERED = 15
#: Two box numbers closer than this (share of the axes) would overlap: the later is left out.
CROWDED = 0.06


def _number_boxes(ax: plt.Axes, coverage: np.ndarray, density: np.ndarray, chosen: int) -> None:
    """Small box numbers beside the dots, so that ``--box K`` can be read off the figure;
    none where it would overlap another number or the chosen box."""
    to_axes = ax.transLimits.transform
    taken = [to_axes((coverage[chosen], density[chosen]))]
    last = len(coverage) - 1
    for k in range(len(coverage)):
        if k == chosen or (last >= NUMBERED and k % 5 and k != last):
            continue
        where = to_axes((coverage[k], density[k]))
        if any(np.hypot(*(where - other)) < CROWDED for other in taken):
            continue
        taken.append(where)
        ax.annotate(f"box {k}", (coverage[k], density[k]), xytext=(9, 3),
                    textcoords="offset points", fontsize=TICK - 1, color="#333333")  # fmt: skip


def _limits(
    ax: plt.Axes, coverage: np.ndarray, density: np.ndarray, min_coverage: float | None
) -> None:
    """Axes from a little below the lowest value (and the rule's coverage) to a little above
    the highest, or just above 1 when the highest is near it."""
    lowest_coverage = min(coverage.min(), 1.0 if min_coverage is None else min_coverage)
    for values, lowest, axis in ((coverage, lowest_coverage, ax.xaxis),
                                 (density, density.min(), ax.yaxis)):  # fmt: skip
        low = max(0.0, np.floor((float(lowest) - 0.05) * 10) / 10)
        high = float(values.max())
        high = 1.04 if high > 0.85 else np.ceil((high + 0.05) * 10) / 10
        (ax.set_xlim if axis is ax.xaxis else ax.set_ylim)(low, high)
        span = high - low
        step = 0.05 if span <= 0.35 else 0.1 if span <= 0.65 else 0.2
        axis.set_major_locator(MultipleLocator(step))
        axis.set_major_formatter(FuncFormatter(lambda v, _pos: _fmt(round(v, 6))))


def _label_chosen(ax: plt.Axes, x: float, y: float, chosen: int) -> None:
    """Name the chosen box beside its ring, towards the middle of the axes."""
    fx, fy = ax.transLimits.transform((x, y))
    right, below = fx < 0.5, fy > 0.5
    ax.annotate(f"box {chosen}\ncoverage {x:.2f}\ndensity {y:.2f}", (x, y),
                xytext=(22 if right else -22, -16 if below else 16),
                textcoords="offset points", ha="left" if right else "right",
                va="top" if below else "bottom", fontsize=TICK, weight="bold",
                bbox={"boxstyle": "round,pad=0.2", "facecolor": "white",
                      "edgecolor": "none", "alpha": 0.85})  # fmt: skip


def _draw_strip(ax: plt.Axes, spec: object, width: float) -> None:
    """One parameter: the sampled range, the box's limits, and the sampled values."""
    draw = _draw_categories if spec.kind == "category" else _draw_numbers
    words = draw(ax, spec)
    text = f"{spec.parameter}: {words}"
    ax.set_title("\n".join(wrap_inches(text, width, LABEL)), fontsize=LABEL, loc="left",
                 pad=6, color="black" if spec.restricted else "#555555")  # fmt: skip
    ax.set_yticks([])
    ax.set_ylim(-1, 1)
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=TICK)


def _draw_numbers(ax: plt.Axes, spec: object) -> str:
    low, high = float(spec.full_low), float(spec.full_high)
    pad = (high - low) * 0.04 or 0.5
    ax.set_xlim(low - pad, high + pad)
    ax.plot([low, high], [0, 0], color=RANGE_COLOUR, lw=16, solid_capstyle="butt", zorder=1)
    ax.plot([spec.low, spec.high], [0, 0], color=BOX_COLOUR, lw=10, solid_capstyle="butt",
            zorder=2)  # fmt: skip
    listed = [float(v) for v in _values(spec.full_values)]
    if listed:  # a grid: every sampled value, filled when the box keeps it
        inside = [spec.low <= v <= spec.high for v in listed]
        ax.scatter(listed, np.zeros(len(listed)), s=60, zorder=3, linewidth=1.5,
                   facecolor=["white" if k else "none" for k in inside],
                   edgecolor=["black" if k else "#777777" for k in inside])  # fmt: skip
        ax.set_xticks(listed, [_fmt(v) for v in listed])
    else:
        ax.xaxis.set_major_locator(MaxNLocator(7))
    if not spec.restricted:
        return f"not restricted ({_fmt(low)} to {_fmt(high)})"
    kept = ", ".join(_values(spec.values))
    return f"{spec.limits} (keeps {kept})" if listed else spec.limits


def _draw_categories(ax: plt.Axes, spec: object) -> str:
    values = _values(spec.full_values)
    kept = set(_values(spec.values))
    positions = np.arange(len(values))
    ax.set_xlim(-0.6, len(values) - 0.4)
    ax.plot([-0.4, len(values) - 0.6], [0, 0], color=RANGE_COLOUR, lw=16,
            solid_capstyle="butt", zorder=1)  # fmt: skip
    for x, value in zip(positions, values, strict=True):
        if value in kept:
            ax.plot([x - 0.4, x + 0.4], [0, 0], color=BOX_COLOUR, lw=10,
                    solid_capstyle="butt", zorder=2)  # fmt: skip
    ax.scatter(positions, np.zeros(len(values)), s=60, zorder=3, linewidth=1.5,
               facecolor=["white" if v in kept else "none" for v in values],
               edgecolor=["black" if v in kept else "#777777" for v in values])  # fmt: skip
    ax.set_xticks(positions, values)
    if sum(len(v) for v in values) > 60:
        plt.setp(ax.get_xticklabels(), rotation=25, ha="right", rotation_mode="anchor")
    return spec.limits if spec.restricted else "not restricted (every value)"


def write_discover_figure(
    boxes: pd.DataFrame,
    box: pd.DataFrame,
    chosen: int,
    title: str,
    path: Path,
    *,
    min_coverage: float | None = None,
    note: str = "",
) -> Path:
    """``discover_figure`` saved as a PNG at ``path``."""
    fig = discover_figure(boxes, box, chosen, title, min_coverage=min_coverage, note=note)
    return save(fig, path, dpi=100, tight=False)
