"""Tie strength of the watched pairs over time, with numbered, dated event markers."""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from alignsim.analysis.events import FiredEvent, fired_events, in_date_order
from alignsim.model.recorder import Result
from alignsim.viz.style import (
    heading,
    inches,
    legend_width,
    line_style,
    save,
    text_width,
    time_axis,
    title,
    wrap_inches,
)

#: Characters per line of the event list (two columns of 10-point text).
EVENT_WRAP = 80
#: Above the event list: where the numbers sit and why an event can sit after its date.
EVENT_HEADING = (
    "Scenario events, numbered above the plot at the step they were applied: the first step "
    "on or after the event's own date, which is shown (“dated …”) when it falls before"
)


def scenario_events_fired(result: Result) -> list[tuple[int, str, str]]:
    """(step, date, note) of every scenario event that fired, in order.

    The date is the event's own date when the scenario gives one (``at: 2014-05``), which
    is more telling than the date of the step it is recorded at (2014-Q3).
    :func:`fired_events` gives both.
    """
    return [(e.step, e.dated or e.applied, e.note) for e in fired_events(result)]


def merged_events(result: Result) -> list[tuple[int, str, str]]:
    """Scenario events that fired, one entry per step: (step, the step's date, the events'
    labels joined with " · ", each with its own date when it was applied later)."""
    merged: dict[int, list[FiredEvent]] = {}
    for event in in_date_order(fired_events(result)):
        merged.setdefault(event.step, []).append(event)
    return [
        (step, events[0].applied, " · ".join(e.label() for e in events))
        for step, events in merged.items()
    ]


def event_markers(ax: plt.Axes, result: Result, events: list[tuple[int, str, str]]) -> None:
    """A thin vertical line per event step, numbered above the axes (staggered when close)."""
    last_step, row = -10, 0
    width_in = ax.get_position().width * ax.figure.get_figwidth()
    steps_per_label = 0.32 * max(result.steps, 1) / max(width_in, 1.0)  # 2 digits ≈ 0.32 in
    event_lines(ax, events)
    for number, (step, _date, _notes) in enumerate(events, start=1):
        row = (row + 1) % 3 if step - last_step < steps_per_label else 0
        last_step = step
        ax.text(
            step,
            1.01 + 0.04 * row,
            str(number),
            ha="center",
            va="bottom",
            fontsize=10,
            color="#333333",
            transform=ax.get_xaxis_transform(),
        )


def event_lines(ax: plt.Axes, events: list[tuple[int, str, str]], colour: str = "#C8C8C8") -> None:
    """Thin vertical lines at the event steps, behind the data."""
    if events:
        ax.vlines(
            [step for step, _d, _n in events],
            0,
            1,
            colors=colour,
            lw=0.9,
            zorder=0,
            transform=ax.get_xaxis_transform(),
        )


def event_list_columns(
    events: list[tuple[int, str, str]], columns: int = 2, wrap: int = EVENT_WRAP
) -> list[list[str]]:
    """The numbered event list as wrapped lines, split into columns of similar length."""
    entries = []
    for number, (_step, date, notes) in enumerate(events, start=1):
        head = f"{number:>2}. {date}: "
        entries.append(
            textwrap.wrap(head + notes, wrap, subsequent_indent=" " * 6, break_on_hyphens=False)
        )
    total = sum(len(e) for e in entries)
    out: list[list[str]] = [[] for _ in range(columns)]
    column, used = 0, 0
    for entry in entries:
        if column < columns - 1 and used + len(entry) / 2 > total * (column + 1) / columns:
            column += 1
        out[column].extend(entry)
        used += len(entry)
    return out


#: The key's title in a run with states out of the world for a while: why lines break off.
ABSENT_NOTE = "watched pair\n(no line: a state of the\npair is not in the world)"


def in_the_world(result: Result, a: str, b: str) -> np.ndarray:
    """The strength of a–b at every step, NaN (no line) where a state is not in the world."""
    strength = result.strength(a, b)
    there = result.present()
    if there is None:
        return strength
    i, j = result.names.index(a), result.names.index(b)
    return np.where(there[:, i] & there[:, j], strength, np.nan)


def plot_timeline(result: Result, path: Path) -> Path:
    """Write :func:`timeline_figure` to ``path``."""
    return save(timeline_figure(result), path, dpi=100, tight=False)


def timeline_figure(result: Result) -> plt.Figure:
    """Watched ties over time, numbered event markers, and the list of events below."""
    pairs = result.scenario.watched_ties() or _strongest_pairs(result, 5)
    events = merged_events(result)
    steps = np.arange(result.steps + 1)
    thresholds = result.scenario.params.thresholds
    labels = [f"{a}–{b}" for a, b in pairs]
    legend_title = "watched pair" if result.present() is None else ABSENT_NOTE
    legend_w = max(legend_width(labels, 10, handle_em=2.5),
                   *(text_width(line, 11) for line in legend_title.split("\n")))  # fmt: skip
    plot_w, plot_h, left = 9.4, 5.4, 0.95
    width = left + plot_w + 0.85 + legend_w + 0.2
    wrap = int((width / 2 - 0.35) / 0.078)  # characters per line in each of two columns
    columns = event_list_columns(events, wrap=wrap) if events else [[]]
    line_h = 10 * 1.3 / 72
    list_head = wrap_inches(EVENT_HEADING, width - 0.4, 11, weight="bold")
    head_h = len(list_head) * 11 * 1.25 / 72 + 0.5 * line_h
    list_h = head_h + (max(len(c) for c in columns) + 0.5) * line_h if events else 0.0
    top = 0.75 + (0.65 if events else 0.1)
    bottom_axis = 0.85
    height = top + plot_h + bottom_axis + list_h + 0.15
    fig = plt.figure(figsize=(width, height))
    ax = fig.add_axes(inches(fig, left, height - top - plot_h, plot_w, plot_h))
    for level, value in (
        ("alliance", thresholds.alliance),
        ("partner", thresholds.partner),
        ("rival", thresholds.rival),
        ("hostile", thresholds.hostile),
    ):
        ax.axhline(value, color="#999999", lw=0.8, ls=":", zorder=0)
        ax.text(
            1.008,
            value,
            level,
            va="center",
            ha="left",
            fontsize=10,
            color="#555555",
            transform=ax.get_yaxis_transform(),
        )
    ax.axhline(0, color="#666666", lw=0.8, zorder=0)
    event_markers(ax, result, events)
    for k, (a, b) in enumerate(pairs):
        colour, dashes = line_style(k)
        ax.plot(steps, in_the_world(result, a, b), lw=2.4, ls=dashes, color=colour,
                label=f"{a}–{b}")  # fmt: skip
    ax.set_ylim(-1.05, 1.05)
    time_axis(ax, result)
    ax.set_ylabel("tie strength (−1 hostile … +1 alliance)")
    if pairs:
        fig.legend(
            loc="upper left",
            bbox_to_anchor=(1 - (legend_w + 0.2) / width, 1 - top / height),
            frameon=False,
            title=legend_title,
            handlelength=2.5,
            borderaxespad=0,
            alignment="left",
        )
    else:
        ax.text(
            0.5,
            0.5,
            "no pairs: a scenario with one state has no ties",
            ha="center",
            transform=ax.transAxes,
            fontsize=12,
            color="#555555",
        )
    heading(fig, title(result, "watched ties and scenario events"), x=0.2)
    if events:
        y = (list_h + 0.15) / height
        fig.text(
            0.2 / width,
            y,
            "\n".join(list_head),
            fontsize=11,
            linespacing=1.25,
            fontweight="bold",
            va="top",
        )
        for c, lines in enumerate(columns):
            fig.text(
                (0.2 + c * width / 2) / width,
                y - head_h / height,
                "\n".join(lines),
                fontsize=10,
                va="top",
                ha="left",
                linespacing=1.3,
            )
    return fig


def _strongest_pairs(result: Result, count: int) -> list[tuple[str, str]]:
    final = np.abs(result.recorder.strength[result.steps])
    order = np.argsort(-final, kind="stable")[:count]
    return [result.pairs[i] for i in order]
