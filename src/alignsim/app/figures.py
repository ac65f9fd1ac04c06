"""The page's pictures: small, large-lettered versions of the run folder's figures.

The network, watched-ties and balance pictures are built once per run and updated to the
run so far (a live ``Result`` of the model being stepped) at each step; the payoff-parts
chart is drawn anew when asked for. The x axes span the whole run, so lines grow from left
to right while a class watches. Colours, line styles and layout are the run folder's, so a
picture on the page and the exported figures read the same way.
"""

from __future__ import annotations

from html import escape

import numpy as np
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from alignsim.analysis.drivers import part_label
from alignsim.model.metrics import LEVELS
from alignsim.model.recorder import Result
from alignsim.viz.explain import part_colours
from alignsim.viz.network import NetworkArtists
from alignsim.viz.style import LINE_STYLES, inches, line_style, time_axis

#: Font size of every text in the pictures, in points. The pictures are shown at their own
#: size (100 dpi), so 12 points are 17 screen pixels: as large as the page's own text,
#: read from the back of a classroom on a 1280×720 projector.
FONT = 12

#: Colours of the tie levels, hostile (vermillion) through formal alliance (dark green).
LEVEL_COLOURS = {
    "hostile": "#D55E00",
    "rival": "#E69F00",
    "neutral": "#BBBBBB",
    "partner": "#56B4E9",
    "alliance": "#009E73",
    "formal_alliance": "#005A46",
}


def _figure(width: float, height: float) -> Figure:
    # Figure() rather than pyplot: the page draws from server threads, and pyplot keeps
    # global state that is not thread-safe. Margins are fixed in inches (``inches``): a
    # layout engine would cost more than the drawing at every step.
    return Figure(figsize=(width, height), dpi=100)


def event_steps(result: Result) -> list[tuple[int, str, str]]:
    """(step, date, note) of the scenario events fired so far."""
    return [
        (int(row["step"]), str(row["date"]), str(row["detail"]))
        for row in result.recorder.events
        if row["kind"] == "scenario" and int(row["step"]) <= result.steps
    ]


class NetworkPicture:
    """The signed network at the live step: green friendly, dashed vermillion hostile (at the
    hostile level only, as in the run folder's pictures), width by strength, node size by
    power (scaled over the whole run), colour by bloc. The key is the page's, as text beside
    the picture.

    Built once per run; ``update`` only moves the ties and recolours the nodes, because
    building a figure costs more than drawing it.
    """

    def __init__(self, live: Result, whole: Result, positions: dict[str, np.ndarray]) -> None:
        self.fig = _figure(5.0, 4.4)
        ax = self.fig.add_axes(inches(self.fig, 0.0, 0.0, 5.0, 4.4))
        self.artists = NetworkArtists(
            ax, live, positions, scale=0.5, font_size=FONT, reference=whole, all_ties=False
        )
        ax.set_xlim(-1.42, 1.42)  # room for the labels of states at the edge

    def update(self, live: Result) -> Figure:
        self.artists.result = live
        self.artists.update(live.steps)
        return self.fig


class TimelinePicture:
    """Tie strength of the watched pairs so far, with the level bands and event lines. The
    key is the page's, as text under the picture (:meth:`legend`)."""

    def __init__(self, live: Result, whole: Result) -> None:
        self.pairs = live.scenario.watched_ties()
        self.fig = _figure(3.5, 1.85)
        ax = self.fig.add_axes(inches(self.fig, 0.45, 0.32, 2.05, 1.45))
        thresholds = live.scenario.params.thresholds
        for level in ("alliance", "partner", "rival", "hostile"):
            value = getattr(thresholds, level)
            ax.axhline(value, color="#999999", lw=0.8, ls=":", zorder=0)
            ax.text(1.03, value, level, va="center", fontsize=FONT, color="#555555",
                    transform=ax.get_yaxis_transform())  # fmt: skip
        ax.axhline(0, color="#666666", lw=0.8, zorder=0)
        self.events = _event_lines(ax)
        self.lines = []
        for k, (a, b) in enumerate(self.pairs):
            colour, dashes = line_style(k)
            (line,) = ax.plot([], [], lw=2.2, ls=dashes, color=colour, label=f"{a}–{b}")
            self.lines.append(line)
        ax.set_ylim(-1.05, 1.05)
        ax.set_yticks([-1, 0, 1], ["−1", "0", "1"])
        time_axis(ax, whole, max_labels=4, label=False)
        ax.tick_params(labelsize=FONT)

    def legend(self) -> str:
        """The watched pairs' line colours and dashes, as HTML."""
        return " &nbsp; ".join(
            _line_key(*line_style(k), f"{a}–{b}") for k, (a, b) in enumerate(self.pairs)
        )

    def update(self, live: Result) -> Figure:
        steps = np.arange(live.steps + 1)
        for line, (a, b) in zip(self.lines, self.pairs, strict=True):
            line.set_data(steps, live.strength(a, b))
        _move_event_lines(self.events, live)
        return self.fig


def _line_key(colour: str, dashes, label: str) -> str:
    """A line's key in HTML: a solid, dashed or dotted stroke in its colour, and its label."""
    stroke = "━━" if dashes == "-" else ("╍╍" if dashes == LINE_STYLES[1] else "┅┅")
    return (
        f"<span style='white-space:nowrap'><span style='color:{colour}'>{stroke}</span> "
        f"{escape(label)}</span>"
    )


class BalancePicture:
    """Balance ratio (top) and how many ties sit at each level (bottom), so far. The levels'
    key is the page's, as text under the picture (:meth:`legend`)."""

    def __init__(self, live: Result, whole: Result) -> None:
        self.fig = _figure(3.5, 2.05)
        self.lower = self.fig.add_axes(inches(self.fig, 0.45, 0.32, 2.75, 0.9))
        upper = self.fig.add_axes(inches(self.fig, 0.45, 1.5, 2.75, 0.35), sharex=self.lower)
        upper.tick_params(labelbottom=False)
        (self.ratio,) = upper.plot([], [], color="#0072B2", lw=2.2)
        upper.set_ylim(-0.02, 1.05)
        upper.set_yticks([0, 1])
        upper.set_title("balance ratio", loc="left", fontsize=FONT, pad=3)
        self.lower.set_title("ties per level", loc="left", fontsize=FONT, pad=3)
        self.bands = PolyCollection([], facecolors=[LEVEL_COLOURS[lvl] for lvl in LEVELS],
                                    linewidths=0)  # fmt: skip
        self.lower.add_collection(self.bands)
        self.lower.set_ylim(0, max(len(live.pairs), 1))
        self.lower.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=3))
        self.events = []
        for ax in (upper, self.lower):
            ax.tick_params(labelsize=FONT)
            self.events.append(_event_lines(ax))
        time_axis(self.lower, whole, max_labels=4, label=False)

    @staticmethod
    def legend() -> str:
        """The level colours, strongest first, as HTML."""
        return " &nbsp; ".join(
            "<span style='white-space:nowrap'><span style='display:inline-block;width:0.8em;"
            f"height:0.8em;background:{LEVEL_COLOURS[level]};vertical-align:-0.05em'></span> "
            f"{level.replace('_', ' ')}</span>"
            for level in reversed(LEVELS)
        )

    def update(self, live: Result) -> Figure:
        steps = np.arange(live.steps + 1)
        self.ratio.set_data(steps, live.metric("balance_ratio"))
        counts = np.cumsum([live.metric(f"count.{level}") for level in LEVELS], axis=0)
        below = np.vstack([np.zeros(len(steps)), counts[:-1]])
        self.bands.set_verts(
            [
                np.vstack([np.column_stack([steps, top]), np.column_stack([steps, low])[::-1]])
                for low, top in zip(below, counts, strict=True)
            ]
        )
        for lines in self.events:
            _move_event_lines(lines, live)
        return self.fig


def _event_lines(ax) -> LineCollection:
    """Thin grey lines at the steps of fired scenario events, behind the data."""
    lines = LineCollection([], colors="#C8C8C8", linewidths=0.9, zorder=0,
                           transform=ax.get_xaxis_transform())  # fmt: skip
    ax.add_collection(lines, autolim=False)
    return lines


def _move_event_lines(lines: LineCollection, live: Result) -> None:
    lines.set_segments([[(step, 0), (step, 1)] for step, _date, _note in event_steps(live)])


def parts_figure(explanation, whole: Result) -> Figure:
    """Payoff parts of both directions so far, as in ``alignsim explain``'s figure."""
    table = explanation.table
    names = explanation.part_names
    colours = part_colours(names)
    fig = _figure(8.2, 4.8)
    lower = fig.add_axes(inches(fig, 0.6, 0.4, 4.9, 1.85))
    upper = fig.add_axes(inches(fig, 0.6, 2.6, 4.9, 1.85), sharex=lower)
    upper.tick_params(labelbottom=False)
    for ax, source in zip((upper, lower), (explanation.a, explanation.b), strict=True):
        block = table[table["source"] == source]
        steps = block["step"].to_numpy()
        up, down = np.zeros(len(block)), np.zeros(len(block))
        polygons, fills = [], []
        for name in names:  # stacked steps: positive parts upward, negative downward
            values = block[name].to_numpy()
            positive, negative = np.clip(values, 0, None), np.clip(values, None, 0)
            for base, part in ((up, positive), (down, negative)):
                if part.any():
                    polygons.append(_step_band(steps, base, base + part))
                    fills.append(colours[name])
            up += positive
            down += negative
        # one collection per axes: a patch per part would cost more than all the drawing
        ax.add_collection(PolyCollection(polygons, facecolors=fills, linewidths=0))
        ax.set_ylim(min(down.min(initial=0), -0.1) * 1.1, max(up.max(initial=0), 0.1) * 1.1)
        ax.plot(steps, block["payoff"], color="#0072B2", lw=2, label="payoff (sum of parts)")
        ax.plot(steps, block["strength"], color="#D55E00", lw=2, ls="--", label="tie strength")
        ax.axhline(0, color="black", lw=0.8)
        target = explanation.b if source == explanation.a else explanation.a
        ax.set_title(f"{source} → {target}", loc="left", fontsize=FONT)
        ax.tick_params(labelsize=FONT)
    handles = [Patch(color=colours[n], label=part_label(n)) for n in names]
    handles += upper.get_legend_handles_labels()[0]
    upper.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False,
                 fontsize=FONT, labelspacing=0.35)  # fmt: skip
    time_axis(lower, whole, max_labels=7, label=False)
    return fig


def _step_band(steps: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Polygon of the band between two step functions (one cell per step)."""
    left, right = steps - 0.5, steps + 0.5
    x = np.column_stack([left, right]).ravel()
    top = np.column_stack([x, np.repeat(high, 2)])
    bottom = np.column_stack([x, np.repeat(low, 2)])[::-1]
    return np.vstack([top, bottom])
