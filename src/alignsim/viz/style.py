"""Shared look of every figure: colour-blind-safe colours, dated time axes, titles, and
deterministic PNG output."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.font_manager import FontProperties
from matplotlib.ticker import FixedLocator, MaxNLocator
from PIL import Image

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
#: Dash patterns that, with LINE_COLOURS, tell up to 21 lines apart without relying on colour.
LINE_STYLES = ["-", (0, (5, 2)), (0, (1.5, 1.5))]
#: Diverging, colour-blind-safe map for tie strength: brown hostile, blue-green friendly.
TIE_CMAP = "BrBG"

plt.rcParams.update(
    {
        "font.size": 11,
        "axes.titlesize": 13,
        "axes.labelsize": 11,
        "xtick.labelsize": 10,
        "ytick.labelsize": 10,
        "legend.fontsize": 10,
        "legend.title_fontsize": 11,
        "figure.dpi": 100,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "svg.hashsalt": "alignsim",
    }
)

_UNIT_WORD = {"month": "monthly", "quarter": "quarterly", "year": "yearly"}


def bloc_colour(bloc: int) -> str:
    return UNALIGNED if bloc <= 0 else OKABE_ITO[(bloc - 1) % len(OKABE_ITO)]


def minus(value: float, fmt: str = "g") -> str:
    """A number with a typographic minus sign (−0.2, not -0.2)."""
    return format(value, fmt).replace("-", "−")


def line_style(index: int) -> tuple[str, Any]:
    """Colour and dash pattern of the ``index``-th line: colours first, then dashes."""
    colour = LINE_COLOURS[index % len(LINE_COLOURS)]
    dashes = LINE_STYLES[(index // len(LINE_COLOURS)) % len(LINE_STYLES)]
    return colour, dashes


def title(result: Any, what: str) -> str:
    """``<scenario> — <what>`` over ``seed N, <first date> to <last date>``."""
    span = f"{result.dates[0]} to {result.dates[result.steps]}"
    return f"{result.scenario.name} — {what}\nseed {result.seed}, {span}"


def bloc_names(result: Any, steps: Any = None) -> dict[int, str]:
    """Legend label of every bloc id seen at ``steps`` (default: all steps).

    A bloc is named by its most powerful member over those steps (power summed over the
    steps the state spent in the bloc), so the same id keeps the same name in one figure.
    """
    steps = np.arange(result.steps + 1) if steps is None else np.atleast_1d(steps)
    blocs = result.recorder.bloc[steps]
    power = result.recorder.power[steps]
    there = result.present()  # a state out of the world has bloc 0 but is not unaligned
    unaligned = (blocs == 0) if there is None else (blocs == 0) & there[steps]
    names: dict[int, str] = {}
    for bloc in sorted(int(b) for b in np.unique(blocs)):
        if bloc == 0:
            if unaligned.any():
                names[0] = "unaligned"
            continue
        inside = blocs == bloc
        weight = np.where(inside, power, 0.0).sum(axis=0)
        members = np.nonzero(inside.any(axis=0))[0]
        lead = result.names[int(max(members, key=lambda i: (weight[i], -i)))]
        names[bloc] = (
            f"bloc {bloc} ({lead})" if len(members) == 1 else (f"bloc {bloc} ({lead} and others)")
        )
    return names


def time_axis(
    ax: plt.Axes,
    result: Any,
    *,
    max_labels: int = 13,
    label: bool = True,
    cells: bool = False,
    minor: bool = False,
) -> None:
    """Dated ticks on the x axis (steps 0..S): years when the calendar is monthly or
    quarterly, else evenly spaced date labels; with ``minor`` a minor tick at every step.

    ``cells``: the x axis shows one cell per step (heat maps), so it runs from -0.5 to S+0.5.
    """
    last = max(result.steps, 1)
    if cells:
        ax.set_xlim(-0.5, result.steps + 0.5)
    else:
        ax.set_xlim((-0.5, 0.5) if result.steps == 0 else (0, last))
    if result.steps == 0:  # one point per line: show it as a dot
        for axes in ax.get_shared_x_axes().get_siblings(ax):
            for line in axes.get_lines():
                line.set_marker("o")
    dates = result.dates[: result.steps + 1]
    calendar = result.scenario.calendar
    ticks: list[int] = []
    labels: list[str] = []
    if calendar is not None and calendar.step in ("month", "quarter"):
        year_starts = [s for s, d in enumerate(dates) if d.endswith(("-Q1", "-01"))]
        if len(year_starts) >= 3:
            every = int(np.ceil(len(year_starts) / max_labels))
            ticks = year_starts[::every]
            labels = [dates[s][:4] for s in ticks]
    if not ticks:
        count = min(max_labels, result.steps + 1)
        ticks = sorted({round(x) for x in np.linspace(0, result.steps, count)})
        if calendar is not None and calendar.step == "year":
            ticks = [
                int(t) for t in MaxNLocator(nbins=max_labels, integer=True).tick_values(0, last)
            ]
            ticks = [t for t in ticks if 0 <= t <= result.steps]
        labels = [dates[t] for t in ticks]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.set_xticklabels(labels)
    if minor and result.steps <= 120:
        ax.xaxis.set_minor_locator(FixedLocator(range(result.steps + 1)))
    longest = max((len(s) for s in labels), default=0)
    if longest * len(labels) > 7 * max_labels:  # long labels would touch: tilt them
        plt.setp(ax.get_xticklabels(), rotation=30, ha="right", rotation_mode="anchor")
    if label:
        ax.set_xlabel(
            f"date ({_UNIT_WORD.get(calendar.step, calendar.step)} steps)"
            if calendar is not None
            else "step"
        )


@functools.cache
def _renderer() -> RendererAgg:
    return RendererAgg(10, 10, 72)  # at 72 dpi one pixel is one point


def text_width(text: str, size: float = 10, weight: str = "normal") -> float:
    """Width in inches of ``text`` (the widest line) at ``size`` points, as Agg draws it.

    Used to lay figures out in inches without a ``bbox_inches="tight"`` pass, which would
    draw every figure twice.
    """
    prop = FontProperties(size=size, weight=weight)
    return max(
        (
            _renderer().get_text_width_height_descent(line, prop, ismath=False)[0] / 72
            for line in text.split("\n")
        ),
        default=0.0,
    )


def wrap_inches(
    text: str, width: float, size: float = 10, indent: str = "", weight: str = "normal"
) -> list[str]:
    """``text`` broken at spaces into lines at most ``width`` inches wide at ``size`` points.

    Measured as Agg draws it, so no description is cut short. Lines after the first start
    with ``indent``; a single word wider than ``width`` keeps a line of its own.
    """
    lines: list[str] = []
    for word in " ".join(text.split()).split(" "):
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and text_width(candidate, size, weight) <= width:
            lines[-1] = candidate
        elif word:
            lines.append(f"{indent}{word}" if lines else word)
    return lines


def legend_width(labels: list[str], size: float = 10, handle_em: float = 2.0) -> float:
    """Width in inches of a legend with ``labels`` (no frame), handles ``handle_em`` wide."""
    widest = max((text_width(label, size) for label in labels), default=0.0)
    return widest + (handle_em + 0.8 + 0.8) * size / 72


def inches(fig: plt.Figure, left: float, bottom: float, width: float, height: float) -> list:
    """Figure fractions of a box given in inches from the figure's lower left corner."""
    w, h = fig.get_size_inches()
    return [left / w, bottom / h, width / w, height / h]


def render(fig: plt.Figure, dpi: int = 100) -> np.ndarray:
    """The figure drawn by Agg at ``dpi``, as an RGB array (height × width × 3)."""
    fig.set_dpi(dpi)
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[:, :, :3].copy()


def heading(fig: plt.Figure, text: str, *, x: float = 0.15, fontsize: int = 14) -> None:
    """The figure's two-line heading, ``x`` inches from the left edge, at the top."""
    width, height = fig.get_size_inches()
    fig.text(x / width, 1 - 0.12 / height, text, fontsize=fontsize, va="top", ha="left")


def save_with_heading(fig: plt.Figure, path: Path, text: str, *, x: float = 0.15) -> Path:
    """Heading, then save as every ``write_plots`` figure is saved."""
    heading(fig, text, x=x)
    return save(fig, path, dpi=100, tight=False)


def save(
    fig: plt.Figure, path: Path, *, dpi: int = 110, tight: bool = True, close: bool = True
) -> Path:
    """Write ``fig`` as a PNG with no timestamp or software tag: equal runs give equal bytes.

    ``tight=False`` is for figures laid out in inches by their makers (every figure of
    ``write_plots``): the picture is drawn once and written as RGB with zlib level 3, which
    is faster than the tight-bounding-box pass (a second drawing) and no larger.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if tight:
        fig.savefig(path, dpi=dpi, metadata={"Software": None}, bbox_inches="tight")
    else:
        Image.fromarray(render(fig, dpi)).save(path, format="PNG", compress_level=3)
    if close:
        plt.close(fig)
    return path
