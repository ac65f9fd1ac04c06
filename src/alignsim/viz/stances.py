"""Stances and salience of every state on every dimension over time.

One panel per dimension, in which every state has a row of its own (a sparkline), so no
line hides another however many states there are. Rows are grouped by the blocs at the
last step, in the order of the bloc figure; a narrow salience panel beside each stance
panel uses the same rows. The two poles of a dimension are spelled out above its panel,
wrapped, never cut.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Patch

from alignsim.model.recorder import Result
from alignsim.viz.blocs import state_order
from alignsim.viz.style import (
    bloc_colour,
    bloc_names,
    heading,
    inches,
    minus,
    save,
    text_width,
    time_axis,
    title,
    wrap_inches,
)

#: Fill above the row's zero line (toward +1) and below it (toward −1); not the tie
#: colours, since a pole is not friendly or hostile.
PLUS, MINUS = "#0072B2", "#E69F00"
#: Text in the pole colours, the orange darkened to be read on white.
PLUS_TEXT, MINUS_TEXT = "#0072B2", "#A65400"
LINE, SALIENCE = "#222222", "#5F5F5F"
#: Half the height of a row, in row units: a stance of ±1 reaches this far from its centre.
HALF = 0.42
#: Rows of space between two blocs.
BLOC_GAP = 0.6
#: Inches: stance and salience panel widths, gaps for the end values beside each panel.
STANCE_W, SALIENCE_W, VALUE_W, SALIENCE_VALUE_W, BLOCK_GAP = 3.3, 1.2, 0.5, 0.42, 0.3
BLOCK_W = STANCE_W + VALUE_W + SALIENCE_W + SALIENCE_VALUE_W + BLOCK_GAP
#: Inches above a panel for its column titles, below it for the date labels.
COLUMN_TITLE_H, FOOT_H = 0.3, 0.45


@dataclass(frozen=True)
class Rows:
    """The states in drawing order (grouped by final bloc), where their rows sit, and how
    tall and large they are. Between two blocs the rows leave a gap of ``BLOC_GAP`` rows."""

    order: list[int]
    centres: np.ndarray  # y of each row's centre, first row at the top
    height: float  # inches per row
    font: float  # points, state names
    value_font: float  # points, end values

    @classmethod
    def of(cls, result: Result) -> Rows:
        order = state_order(result)
        blocs = result.recorder.bloc[result.steps][order]
        below = np.concatenate([[0.0], np.cumsum(1.0 + BLOC_GAP * (blocs[1:] != blocs[:-1]))])
        centres = below[-1] - below
        n = len(order)
        height = min(0.5, max(0.2, 4.4 / max(n, 1)))
        font = 11.0 if height >= 0.3 else 10.0 if height >= 0.24 else 9.0
        return cls(order, centres, height, font, min(font, 9.5))

    @property
    def span(self) -> float:
        """Height of all rows and gaps, in rows."""
        return float(self.centres[0]) + 1.0 if len(self.centres) else 1.0


def poles(description: str) -> tuple[str, str] | None:
    """``"+ energy importer / - energy exporter"`` → ("+1 = energy importer", "−1 = …")."""
    parts = [p.strip() for p in " ".join(description.split()).split(" / ")]
    if len(parts) != 2 or not parts[0].startswith("+") or not parts[1].startswith("-"):
        return None
    return f"+1 = {parts[0][1:].strip()}", f"−1 = {parts[1][1:].strip()}"


def header_lines(result: Result, dim: str, width: float) -> list[tuple[str, str]]:
    """(text, colour) lines under a panel's name: each pole wrapped to ``width`` inches in
    the colour of its fill, or the whole description in grey."""
    spec = result.scenario.dimensions.get(dim)
    description = " ".join((getattr(spec, "description", "") or "").split())
    both = poles(description)
    if both is None:
        return [(line, "#444444") for line in wrap_inches(description, width, 10)]
    out = []
    for text, colour in zip(both, (PLUS_TEXT, MINUS_TEXT), strict=True):
        out += [(line, colour) for line in wrap_inches(text, width, 10, indent="     ")]
    return out


def plot_stances(result: Result, path: Path) -> Path:
    """Write :func:`stances_figure` to ``path``."""
    return save(stances_figure(result), path, dpi=100, tight=False)


def stances_figure(result: Result) -> plt.Figure:
    """The figure: a grid of dimension panels, up to three across, with its heading."""
    dims = result.dimensions
    rows = Rows.of(result)
    cols = min(3, max(len(dims), 1))
    grid = [dims[i : i + cols] for i in range(0, len(dims), cols)] or [[]]
    label_w = 0.35 + max((text_width(name, rows.font) for name in result.names), default=0.0)
    left = 0.15 + label_w + 0.1
    panel_h = max(rows.height * rows.span, 1.0)
    headers = [
        [header_lines(result, dim, STANCE_W + VALUE_W + SALIENCE_W) for dim in line]
        for line in grid
    ]
    header_h = [0.32 + 0.19 * max((len(h) for h in line), default=0) for line in headers]
    caption = title(
        result,
        "stances (−1 … +1) and salience (0 … 1), one row per state, grouped by the blocs "
        f"at {result.dates[result.steps]}",
    )
    key_h = 0.6
    top = 0.8 + key_h
    width = max(left + BLOCK_W * cols, text_width(caption, 14) + 0.4)
    height = top + sum(h + COLUMN_TITLE_H + panel_h + FOOT_H + 0.25 for h in header_h)
    fig = plt.figure(figsize=(width, height))
    y = height - top
    for line, line_headers, head_h in zip(grid, headers, header_h, strict=True):
        y -= head_h + COLUMN_TITLE_H + panel_h
        for col, (dim, lines) in enumerate(zip(line, line_headers, strict=True)):
            x = left + col * BLOCK_W
            block = (x, y, panel_h, y + panel_h + COLUMN_TITLE_H + head_h)
            _dimension_block(fig, result, rows, dim, lines, block, first=col == 0)
        y -= FOOT_H + 0.25
    _bloc_key(fig, result, height - 0.8)
    heading(fig, caption, x=0.15)
    return fig


def _dimension_block(
    fig: plt.Figure,
    result: Result,
    rows: Rows,
    dim: str,
    lines: list[tuple[str, str]],
    block: tuple[float, float, float, float],
    *,
    first: bool,
) -> None:
    """A dimension's stance and salience panels with its name and poles above them.

    ``block``: left and bottom of the panels, their height, and the top of the header,
    in inches; names of one grid row line up at the top whatever their poles' lengths.
    """
    x, y, panel_h, header_top = block
    d = result.dimensions.index(dim)
    stance = fig.add_axes(inches(fig, x, y, STANCE_W, panel_h))
    stance.set_gid(f"stance:{dim}")
    salience = fig.add_axes(
        inches(fig, x + STANCE_W + VALUE_W, y, SALIENCE_W, panel_h), sharey=stance
    )
    salience.set_gid(f"salience:{dim}")
    steps = np.arange(result.steps + 1)
    rec = result.recorder
    for centre, i in zip(rows.centres, rows.order, strict=True):
        _stance_row(stance, steps, rec.stances[steps, i, d], centre, rows)
        _salience_row(salience, steps, rec.salience[steps, i, d], centre, rows)
    for ax in (stance, salience):
        _rows_frame(ax, rows)
    stance.set_yticks(rows.centres)
    stance.set_yticklabels([result.names[i] for i in rows.order], fontsize=rows.font)
    stance.tick_params(axis="y", length=0, labelleft=first)
    salience.tick_params(axis="y", length=0, labelleft=False)
    time_axis(stance, result, max_labels=4, label=False)
    time_axis(salience, result, max_labels=2, label=False)
    for ax, text in ((stance, "stance: blue toward +1, orange toward −1"), (salience, "salience")):
        ax.text(
            0,
            1.0 + 0.06 / panel_h,
            text,
            transform=ax.transAxes,
            fontsize=9.5,
            color="#555555",
            va="bottom",
        )
    if first:
        _bloc_chips(stance, result, rows)
    spec = result.scenario.dimensions.get(dim)
    kind = getattr(spec, "kind", None)
    width, height = fig.get_size_inches()
    fig.text(
        x / width,
        header_top / height,
        f"{dim}" + (f" ({kind})" if kind else ""),
        fontsize=13,
        fontweight="bold",
        va="top",
    )
    for k, (text, colour) in enumerate(lines):
        fig.text(
            x / width,
            (header_top - 0.3 - 0.19 * k) / height,
            text,
            fontsize=10,
            color=colour,
            va="top",
        )


def _stance_row(
    ax: plt.Axes, steps: np.ndarray, values: np.ndarray, centre: float, rows: Rows
) -> None:
    """One state's stance: filled toward its pole, the line on top, the end value beside."""
    level = centre + HALF * values
    ax.fill_between(
        steps, centre, level, where=values >= 0, interpolate=True, color=PLUS, alpha=0.35, lw=0
    )
    ax.fill_between(
        steps, centre, level, where=values <= 0, interpolate=True, color=MINUS, alpha=0.45, lw=0
    )
    ax.plot(steps, level, color=LINE, lw=1.3, solid_joinstyle="miter")
    end = minus(round(float(values[-1]), 2) + 0.0, "+.2f")  # no "−0.00"
    ax.text(
        1.02,
        centre,
        end,
        transform=ax.get_yaxis_transform(),
        fontsize=rows.value_font,
        va="center",
        ha="left",
        color="#333333",
    )


def _salience_row(
    ax: plt.Axes, steps: np.ndarray, values: np.ndarray, centre: float, rows: Rows
) -> None:
    """One state's salience, rising from the bottom of its row (0) to its top (1)."""
    base = centre - HALF
    level = base + 2 * HALF * values
    ax.fill_between(steps, base, level, color=SALIENCE, alpha=0.45, lw=0)
    ax.plot(steps, level, color=SALIENCE, lw=1.2)
    ax.text(
        1.04,
        centre,
        f"{values[-1]:.2f}",
        transform=ax.get_yaxis_transform(),
        fontsize=rows.value_font,
        va="center",
        ha="left",
        color="#555555",
    )


def _rows_frame(ax: plt.Axes, rows: Rows) -> None:
    """Zebra rows to follow a state across panels, and a zero line per stance row."""
    for row, centre in enumerate(rows.centres):
        if row % 2:
            ax.axhspan(centre - 0.5, centre + 0.5, color="#F3F3F3", lw=0, zorder=0)
        if ax.get_gid().startswith("stance"):
            ax.axhline(centre, color="#AAAAAA", lw=0.6, zorder=0.5)
    ax.set_ylim(-0.5, rows.span - 0.5)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)


def _bloc_chips(ax: plt.Axes, result: Result, rows: Rows) -> None:
    """A square in the colour of each state's final bloc, left of its name."""
    blocs = result.recorder.bloc[result.steps][rows.order]
    label_w = max(text_width(result.names[i], rows.font) for i in rows.order)
    x = -(label_w + 0.2) / STANCE_W
    ax.scatter(
        [x] * len(rows.order),
        rows.centres,
        s=(rows.font * 0.9) ** 2,
        marker="s",
        c=[bloc_colour(int(b)) for b in blocs],
        edgecolors="black",
        linewidths=0.6,
        transform=ax.get_yaxis_transform(),
        clip_on=False,
    )


def _bloc_key(fig: plt.Figure, result: Result, top: float) -> None:
    """The blocs of the last step, as a one-line key under the heading."""
    handles = [
        Patch(facecolor=bloc_colour(bloc), edgecolor="black", label=label)
        for bloc, label in bloc_names(result, result.steps).items()
    ]
    fig.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(0.15 / fig.get_figwidth(), top / fig.get_figheight()),
        ncols=len(handles),
        frameon=False,
        fontsize=11,
        title=f"rows grouped by bloc at {result.dates[result.steps]} (square left of a name):",
        title_fontsize=11,
        alignment="left",
        borderaxespad=0,
        handlelength=1.2,
    )
