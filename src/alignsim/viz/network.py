"""The signed tie network: green for friendly ties, dashed vermillion for hostile ones, node
colour by bloc, node size by power; one layout for every picture of a run.

By default the figures draw hostile ties only at the hostile level (at or below the hostile
threshold): once two camps form, almost every pair across them sits at the rival level, and
drawing those ties too (about 40 in the flagship from 2020 on) hides the structure under a
hairball. Each picture's key says what is left out and how many; ``all_ties=True``
(``alignsim plot --all-ties``) draws every rival tie as well.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D

from alignsim.model.active import Presence
from alignsim.model.recorder import Result
from alignsim.viz.style import (
    NEGATIVE,
    POSITIVE,
    bloc_colour,
    bloc_names,
    heading,
    inches,
    legend_width,
    minus,
    save,
    title,
)

#: Node area (points²) of the most powerful state; the least powerful gets about a tenth.
NODE_AREA = 2400.0
#: Outline and label colour of a state not in the world at the step drawn.
ABSENT = "#A0A0A0"


def layout(result: Result) -> dict[str, np.ndarray]:
    """One layout for the whole run, so a class can follow a country from picture to picture.

    States are placed by stress majorization (SMACOF, started from classical scaling) so that
    their distance follows ``1 - 0.85 × mean tie strength over the run``: lasting friends sit
    close, lasting enemies far apart. States closer than a label's height are then pushed
    apart. Pure numpy and deterministic; positions lie in [-1, 1]².
    """
    n = len(result.names)
    if n == 1:
        return {result.names[0]: np.zeros(2)}
    mean = result.recorder.strength[: result.steps + 1].mean(axis=0)
    ties = np.zeros((n, n))
    ties[result.recorder.upper] = mean
    ties = ties + ties.T
    target = 1.0 - 0.85 * ties
    np.fill_diagonal(target, 0.0)
    xy = _classical_scaling(target)
    xy = _smacof(target, xy, iterations=300)
    xy = _spread(_normalise(xy), minimum=0.32)
    xy = _normalise(xy)
    return {name: xy[i] for i, name in enumerate(result.names)}


def _classical_scaling(target: np.ndarray) -> np.ndarray:
    n = len(target)
    centre = np.eye(n) - 1.0 / n
    b = -0.5 * centre @ (target**2) @ centre
    values, vectors = np.linalg.eigh(b)
    order = np.argsort(values)[::-1][:2]
    xy = vectors[:, order] * np.sqrt(np.maximum(values[order], 1e-9))
    if n > 2:  # give the layout a fixed orientation: the first state's coordinates ≥ 0
        xy *= np.where(xy[0] < 0, -1.0, 1.0)
    return xy


def _smacof(target: np.ndarray, xy: np.ndarray, iterations: int) -> np.ndarray:
    """Weighted stress majorization (Gansner, Koren & North 2004), weights 1/d²."""
    n = len(target)
    with np.errstate(divide="ignore"):
        weight = np.where(target > 0, 1.0 / np.maximum(target, 1e-6) ** 2, 0.0)
    np.fill_diagonal(weight, 0.0)
    laplacian = -weight
    np.fill_diagonal(laplacian, weight.sum(axis=1))
    pinv = np.linalg.pinv(laplacian)
    for _ in range(iterations):
        diff = xy[:, None, :] - xy[None, :, :]
        dist = np.sqrt((diff**2).sum(axis=2))
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(dist > 1e-9, weight * target / dist, 0.0)
        lz = -ratio
        np.fill_diagonal(lz, ratio.sum(axis=1))
        new = pinv @ (lz @ xy)
        if np.abs(new - xy).max() < 1e-7:
            return new
        xy = new
    return xy[:n]


def _normalise(xy: np.ndarray) -> np.ndarray:
    xy = xy - (xy.max(axis=0) + xy.min(axis=0)) / 2
    span = np.abs(xy).max(axis=0)
    return xy / np.where(span > 0, span, 1.0)


def _spread(xy: np.ndarray, minimum: float) -> np.ndarray:
    """Push apart pairs closer than ``minimum`` (x counts less: labels are wide, not tall)."""
    xy = xy.copy()
    scale = np.array([0.55, 1.0])  # labels sit below nodes: keep vertical room
    for _ in range(200):
        moved = False
        for i in range(len(xy)):
            for j in range(i + 1, len(xy)):
                delta = (xy[j] - xy[i]) * scale
                dist = float(np.hypot(*delta))
                if dist >= minimum:
                    continue
                direction = delta / dist if dist > 1e-9 else np.array([0.0, 1.0])
                push = (minimum - dist) / 2 * direction / scale
                xy[i] -= push
                xy[j] += push
                moved = True
        if not moved:
            break
    return xy


def node_sizes(
    result: Result, step: int, scale: float = 1.0, reference: Result | None = None
) -> np.ndarray:
    """Marker areas (points²) by power, relative to the largest power of the whole run
    (of ``reference`` when given: the page draws a run so far, sized by the whole run)."""
    whole = reference or result
    top = float(whole.recorder.power[: whole.steps + 1].max()) or 1.0
    return scale * NODE_AREA * (0.1 + 0.9 * result.recorder.power[step] / top)


def display_name(name: str, width: int = 14) -> str:
    """Long names on two lines ("Central Asian\\nRepublics")."""
    return "\n".join(textwrap.wrap(name, width)) if len(name) > width else name


def hostile_limit(result: Result, all_ties: bool) -> float:
    """Hostile ties at or below this strength are drawn: the rival threshold with
    ``all_ties``, else the hostile threshold."""
    thresholds = result.scenario.params.thresholds
    return thresholds.rival if all_ties else thresholds.hostile


def rival_ties_left_out(result: Result, step: int) -> int:
    """How many ties sit at the rival level at ``step`` (drawn only with ``all_ties``)."""
    thresholds = result.scenario.params.thresholds
    strength = result.recorder.strength[step]
    return int(((strength <= thresholds.rival) & (strength > thresholds.hostile)).sum())


def edge_segments(
    result: Result, step: int, positions: dict[str, np.ndarray], *, all_ties: bool = True
) -> tuple[list, np.ndarray, list, np.ndarray]:
    """Segments and strengths of the drawn friendly and hostile ties at ``step``.

    Neutral ties (between the rival and partner thresholds) are left out, and so are
    rival-level ties unless ``all_ties``.
    """
    thresholds = result.scenario.params.thresholds
    rows, cols = result.recorder.upper
    strength = result.recorder.strength[step]
    xy = np.array([positions[name] for name in result.names])
    friendly = strength >= thresholds.partner
    hostile = strength <= hostile_limit(result, all_ties)

    def pick(mask: np.ndarray) -> tuple[list, np.ndarray]:
        order = np.argsort(np.abs(strength[mask]), kind="stable")  # strongest on top
        segs = np.stack([xy[rows[mask]], xy[cols[mask]]], axis=1)[order]
        return list(segs), np.abs(strength[mask])[order]

    good, good_s = pick(friendly)
    bad, bad_s = pick(hostile)
    return good, good_s, bad, bad_s


def friendly_width(strength: np.ndarray, scale: float = 1.0) -> np.ndarray:
    return scale * (0.6 + 5.0 * np.asarray(strength))


def hostile_width(strength: np.ndarray, scale: float = 1.0) -> np.ndarray:
    return scale * (0.5 + 3.0 * np.asarray(strength))


class NetworkArtists:
    """The artists of one network drawing, updatable step by step (used by the animation).

    ``all_ties`` draws rival-level ties too; it is on here because the page draws every
    tie, and off in the run folder's figures and the animation (see the module's docstring).
    """

    def __init__(
        self,
        ax: plt.Axes,
        result: Result,
        positions: dict[str, np.ndarray],
        *,
        scale: float = 1.0,
        font_size: float = 11,
        reference: Result | None = None,
        all_ties: bool = True,
    ) -> None:
        self.result, self.positions, self.scale = result, positions, scale
        self.all_ties = all_ties
        self.reference = reference or result
        self.xy = np.array([positions[name] for name in result.names])
        self.presence = Presence.of(result.scenario, result.names)
        self.hostile = LineCollection(
            [], colors=NEGATIVE, alpha=0.6, linestyles=(0, (4, 3)), zorder=1, capstyle="butt"
        )
        self.friendly = LineCollection([], colors=POSITIVE, alpha=0.95, zorder=1.5)
        ax.add_collection(self.hostile)
        ax.add_collection(self.friendly)
        self.nodes = ax.scatter(
            self.xy[:, 0],
            self.xy[:, 1],
            s=node_sizes(result, 0, scale, self.reference),
            c="white",
            edgecolors="black",
            linewidths=1.0,
            zorder=2,
        )
        power = self.reference.recorder.power[: self.reference.steps + 1]
        largest = scale * NODE_AREA * (0.1 + 0.9 * power.max(axis=0) / (power.max() or 1.0))
        self.labels = []
        for i, name in enumerate(result.names):
            radius = np.sqrt(largest[i]) / 2  # labels sit below the node at its largest
            label = ax.annotate(
                display_name(name),
                self.xy[i],
                xytext=(0, -(radius + 3)),
                textcoords="offset points",
                ha="center",
                va="top",
                fontsize=font_size,
                linespacing=1.0,
                zorder=3,
                bbox={"boxstyle": "round,pad=0.12", "fc": "white", "ec": "none", "alpha": 0.85},
            )
            self.labels.append(label)
        ax.set_xlim(-1.22, 1.22)
        ax.set_ylim(-1.3, 1.17)
        ax.set_axis_off()

    def update(self, step: int) -> None:
        good, good_s, bad, bad_s = edge_segments(
            self.result, step, self.positions, all_ties=self.all_ties
        )
        self.friendly.set_segments(good)
        self.friendly.set_linewidths(friendly_width(good_s, self.scale))
        self.hostile.set_segments(bad)
        self.hostile.set_linewidths(hostile_width(bad_s, self.scale))
        self.nodes.set_sizes(node_sizes(self.result, step, self.scale, self.reference))
        blocs = self.result.recorder.bloc[step]
        faces = [bloc_colour(int(b)) for b in blocs]
        if self.presence is not None:  # a state not in the world: an empty grey circle
            there = self.presence.at(step)
            faces = [face if t else "white" for face, t in zip(faces, there, strict=True)]
            self.nodes.set_edgecolors(["black" if t else ABSENT for t in there])
            self.nodes.set_linestyles(["solid" if t else (0, (2, 2)) for t in there])
            for label, t in zip(self.labels, there, strict=True):
                label.set_color("black" if t else ABSENT)
        self.nodes.set_facecolors(faces)


def draw_network(
    ax: plt.Axes,
    result: Result,
    step: int,
    positions: dict[str, np.ndarray],
    *,
    scale: float = 1.0,
    font_size: float = 11,
    all_ties: bool = False,
) -> NetworkArtists:
    artists = NetworkArtists(
        ax, result, positions, scale=scale, font_size=font_size, all_ties=all_ties
    )
    artists.update(step)
    return artists


def legend_handles(
    result: Result, steps: list[int] | int, *, scale: float = 1.0, all_ties: bool = False
) -> list:
    """Legend entries: a header and the tie colours and widths, what is not drawn (how many,
    for one step), a header and the blocs present at ``steps`` (node colours). Pass them to
    :func:`add_legend`, which sets headers in bold."""
    thresholds = result.scenario.params.thresholds
    weakest = hostile_limit(result, all_ties)
    handles = [
        header("Ties (line colour, width = strength)"),
        Line2D(
            [],
            [],
            color=POSITIVE,
            lw=float(friendly_width(0.9, scale)),
            label="friendly, strong (+0.9)",
        ),
        Line2D(
            [],
            [],
            color=POSITIVE,
            lw=float(friendly_width(0.3, scale)),
            label=f"friendly, weak (≥ {minus(thresholds.partner)})",
        ),
        Line2D(
            [],
            [],
            color=NEGATIVE,
            lw=float(hostile_width(0.9, scale)),
            ls=(0, (4, 2)),
            alpha=0.8,
            label="hostile, strong (−0.9)",
        ),
        Line2D(
            [],
            [],
            color=NEGATIVE,
            lw=float(hostile_width(abs(weakest), scale)),
            ls=(0, (4, 2)),
            alpha=0.8,
            label=(
                f"hostile, weak (≤ {minus(weakest)})"
                if all_ties
                else f"hostile, weakest drawn ({minus(weakest)})"
            ),
        ),
        note(left_out(result, all_ties, steps if isinstance(steps, int) else None)),
        header("Blocs (node colour)"),
    ]
    for bloc, label in bloc_names(result, steps).items():
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                ls="",
                markersize=12,
                markeredgecolor="black",
                color=bloc_colour(bloc),
                label=label,
            )
        )
    there = result.present()
    if there is not None and not there[np.atleast_1d(steps)].all():
        handles.append(
            Line2D([], [], marker="o", ls="", markersize=12, markerfacecolor="white",
                   markeredgecolor=ABSENT, label="not in the world at that date")
        )  # fmt: skip
    return handles


def header(text: str) -> Line2D:
    """A legend entry without a symbol, shown in bold by :func:`add_legend`."""
    handle = Line2D([], [], ls="", label=text)
    handle.set_gid("legend-header")
    return handle


def note(text: str) -> Line2D:
    """A legend entry without a symbol, in grey, starting under the symbols."""
    handle = Line2D([], [], ls="", label=text)
    handle.set_gid("legend-note")
    return handle


def left_out(result: Result, all_ties: bool, step: int | None = None) -> str:
    """What the key says is not drawn, with the thresholds that bound it and, for one
    ``step``, how many ties that is."""
    thresholds = result.scenario.params.thresholds
    strength = result.recorder.strength[step] if step is not None else None
    neutral = f"neutral ({minus(thresholds.rival)} < s < {minus(thresholds.partner)})"
    rival = f"rival ({minus(thresholds.hostile)} < s ≤ {minus(thresholds.rival)})"
    if strength is not None:
        quiet = (strength > thresholds.rival) & (strength < thresholds.partner)
        there = result.pairs_present()
        quiet = int((quiet if there is None else quiet & there[step]).sum())
        neutral = f"{quiet} {neutral}"
        rival = f"{rival_ties_left_out(result, step)} {rival}"
    if all_ties:
        return f"not drawn: {neutral} ties"
    return f"not drawn: {rival} and\n{neutral} ties"


def add_legend(ax: plt.Axes | plt.Figure, handles: list, **kwargs) -> None:
    options = {"frameon": False, "handlelength": 3.2, "labelspacing": 0.8}
    legend = ax.legend(handles=handles, **(options | kwargs))
    for handle, text in zip(handles, legend.get_texts(), strict=True):
        if handle.get_gid() in ("legend-header", "legend-note"):
            text.set_x(-40)  # headers and notes start under the symbols, not after them
        if handle.get_gid() == "legend-header":
            text.set_fontweight("bold")
        if handle.get_gid() == "legend-note":
            text.set_color("#444444")


def figure_note(all_ties: bool) -> str:
    """The line under a network figure: how to read it, and how to see the rest."""
    if all_ties:
        return "line width = tie strength; neutral ties not drawn; node size = power"
    return (
        "line width = tie strength; node size = power; rival and neutral ties not drawn "
        "(alignsim plot RUN --all-ties draws rival ties)"
    )


def plot_network(
    result: Result,
    step: int,
    path: Path,
    positions: dict[str, np.ndarray] | None = None,
    *,
    all_ties: bool = False,
) -> Path:
    """One snapshot of the network at ``step``, legend on the right."""
    return plot_networks(result, {step: path}, positions, all_ties=all_ties)[0]


def plot_networks(
    result: Result,
    paths: dict[int, Path],
    positions: dict[str, np.ndarray] | None = None,
    *,
    all_ties: bool = False,
) -> list[Path]:
    """A snapshot picture per step (``{step: path}``), drawn on one figure, redrawn per step."""
    positions = positions or layout(result)
    steps = list(paths)
    labels = [
        line
        for s in steps
        for h in legend_handles(result, s, all_ties=all_ties)
        for line in h.get_label().split("\n")
    ]
    legend_w = legend_width(labels, 10, handle_em=3.2)
    graph_w, graph_h = 8.6, 6.4
    width, height = 0.2 + graph_w + 0.3 + legend_w + 0.2, 0.45 + graph_h + 0.85
    fig = plt.figure(figsize=(width, height))
    ax = fig.add_axes(inches(fig, 0.2, 0.45, graph_w, graph_h))
    artists = NetworkArtists(ax, result, positions, all_ties=all_ties)
    heading = fig.text(0.2 / width, 1 - 0.15 / height, "", fontsize=14, va="top", ha="left")
    fig.text(
        0.2 / width,
        0.12 / height,
        figure_note(all_ties),
        fontsize=10,
        color="#444444",
        va="bottom",
    )
    anchor = ((0.2 + graph_w + 0.3) / width, 1 - 0.95 / height)
    written = []
    for step, path in paths.items():
        artists.update(step)
        for legend in list(fig.legends):
            legend.remove()
        add_legend(
            fig,
            legend_handles(result, step, all_ties=all_ties),
            loc="upper left",
            borderaxespad=0.0,
            bbox_to_anchor=anchor,
        )
        heading.set_text(title(result, f"tie network at {result.dates[step]}"))
        written.append(save(fig, path, dpi=100, tight=False, close=False))
    plt.close(fig)
    return written


def snapshot_grid(count: int) -> tuple[int, int]:
    """Rows and columns for ``count`` snapshots plus one cell for the legend."""
    cells = count + 1
    cols = cells if cells <= 3 else 2 if cells == 4 else 3
    return int(np.ceil(cells / cols)), cols


def plot_snapshots(
    result: Result,
    steps: list[int],
    path: Path,
    positions: dict[str, np.ndarray] | None = None,
    *,
    all_ties: bool = False,
) -> Path:
    """Small multiples: the network at each of ``steps`` in one picture, one shared legend.

    Without ``all_ties`` each panel's title says how many rival ties it leaves out.
    """
    positions = positions or layout(result)
    count = len(steps)
    rows, cols = snapshot_grid(count)
    cell_w, cell_h, top, bottom, side = 5.2, 4.5, 1.25, 0.1, 0.15
    width, height = side * 2 + cell_w * cols, top + bottom + cell_h * rows
    fig = plt.figure(figsize=(width, height))
    for k in range(rows * cols):
        row, col = divmod(k, cols)
        box = inches(
            fig, side + col * cell_w, height - top - (row + 1) * cell_h, cell_w, cell_h - 0.45
        )
        ax = fig.add_axes(box)
        if k < count:
            step = steps[k]
            draw_network(ax, result, step, positions, scale=0.55, font_size=10, all_ties=all_ties)
            when, left = snapshot_title(result, step, all_ties)
            ax.set_title(when, fontsize=14, pad=18 if left else 6)
            ax.text(0.5, 1.0, left, fontsize=11, color="#444444", ha="center", va="bottom",
                    transform=ax.transAxes)  # fmt: skip
        elif k == count:
            ax.set_axis_off()
            handles = legend_handles(result, steps, scale=0.55, all_ties=all_ties)
            add_legend(ax, handles, loc="upper left", fontsize=11)
        else:
            ax.set_axis_off()
    text = title(result, "the tie network over time") + "\n" + figure_note(all_ties)
    heading(fig, text, x=side, fontsize=15)
    return save(fig, path, dpi=90, tight=False)


def snapshot_title(result: Result, step: int, all_ties: bool) -> tuple[str, str]:
    """``2023-Q1 (step 36)``, and how many rival ties the panel leaves out ("" if none)."""
    when = f"{result.dates[step]} (step {step})" if result.scenario.calendar else f"step {step}"
    if all_ties:
        return when, ""
    count = rival_ties_left_out(result, step)
    return when, f"{count} rival tie{'' if count == 1 else 's'} not drawn"
