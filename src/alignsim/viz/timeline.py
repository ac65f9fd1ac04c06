"""Tie strength of the watched pairs over time, with numbered, dated event markers."""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from alignsim.model.recorder import Result
from alignsim.viz.style import LINE_COLOURS, save


def scenario_events_fired(result: Result) -> list[tuple[int, str, str]]:
    """(step, date, note) of every scenario event that fired, in order.

    The date is the event's own date when the scenario gives one (``at: 2014-05``), which
    is more telling than the date of the step it is recorded at (2014-Q3).
    """
    by_label = {
        (event.id or f"events.{position}"): event
        for position, event in enumerate(result.scenario.events)
    }
    out = []
    for row in result.recorder.events:
        if row["kind"] != "scenario":
            continue
        spec = by_label.get(row["subject"])
        when = spec.at if spec is not None and isinstance(spec.at, str) else row["date"]
        out.append((int(row["step"]), str(when), str(row["detail"]).split(" (")[0]))
    return out


def watched_pairs(result: Result) -> list[tuple[str, str]]:
    pairs = [tuple(p) for p in result.scenario.watch.pairs]
    for triangle in result.scenario.watch.triangles:
        a, b, c = triangle
        for pair in ((a, b), (b, c), (a, c)):
            if pair not in pairs and pair[::-1] not in pairs:
                pairs.append(pair)
    return pairs


def plot_timeline(result: Result, path: Path) -> Path:
    pairs = watched_pairs(result) or _strongest_pairs(result, 5)
    events = _merge_same_step(scenario_events_fired(result))
    steps = np.arange(result.steps + 1)
    thresholds = result.scenario.params.thresholds
    height = 5.5 + 0.22 * len(events)
    fig, ax = plt.subplots(figsize=(12, height))
    for level, value in (
        ("alliance", thresholds.alliance),
        ("partner", thresholds.partner),
        ("rival", thresholds.rival),
        ("hostile", thresholds.hostile),
    ):
        ax.axhline(value, color="#999999", lw=0.8, ls=":", zorder=0)
        ax.text(steps[-1], value, f" {level}", va="center", ha="left", fontsize=9, color="#555555")
    last_x, row = -1.0, 0
    for number, (step, _date, _notes) in enumerate(events, start=1):
        ax.axvline(step, color="#BBBBBB", lw=0.8, zorder=0)
        x = step / max(result.steps, 1)
        row = (row + 1) % 3 if x - last_x < 0.03 else 0  # stagger labels that would touch
        last_x = x
        ax.text(step, 1.01 + 0.025 * row, str(number), ha="center", va="bottom", fontsize=8,
                transform=ax.get_xaxis_transform())  # fmt: skip
    for k, (a, b) in enumerate(pairs):
        style = "-" if k < len(LINE_COLOURS) else "--"
        ax.plot(steps, result.strength(a, b), lw=2.2, ls=style,
                color=LINE_COLOURS[k % len(LINE_COLOURS)], label=f"{a}–{b}")  # fmt: skip
    ax.set_ylim(-1.05, 1.05)
    ax.set_xlim(0, max(result.steps, 1))
    ax.set_ylabel("tie strength (−1 hostile … +1 alliance)")
    _date_ticks(ax, result)
    ax.legend(loc="upper left", bbox_to_anchor=(1.06, 1.0), frameon=False, title="pair")
    ax.set_title(f"{result.scenario.name} — watched ties (seed {result.seed})", y=1.1)
    if events:
        lines = [
            f"{number}. {date}: {textwrap.shorten(notes, 95)}"
            for number, (_s, date, notes) in enumerate(events, start=1)
        ]
        fig.text(0.01, 0.0, "Events\n" + "\n".join(lines), ha="left", va="top", fontsize=9,
                 family="DejaVu Sans")  # fmt: skip
    return save(fig, path)


def _merge_same_step(events: list[tuple[int, str, str]]) -> list[tuple[int, str, str]]:
    merged: dict[int, tuple[int, str, str]] = {}
    for step, date, note in events:
        if step in merged:
            merged[step] = (step, date, f"{merged[step][2]}; {note}")
        else:
            merged[step] = (step, date, note)
    return list(merged.values())


def _date_ticks(ax: plt.Axes, result: Result) -> None:
    count = min(12, result.steps + 1)
    ticks = np.unique(np.linspace(0, result.steps, count).round().astype(int))
    ax.set_xticks(ticks)
    ax.set_xticklabels([result.dates[t] for t in ticks], rotation=35, ha="right")
    ax.set_xlabel("date" if result.scenario.calendar else "step")


def _strongest_pairs(result: Result, count: int) -> list[tuple[str, str]]:
    final = np.abs(result.recorder.strength[result.steps])
    order = np.argsort(-final, kind="stable")[:count]
    return [result.pairs[i] for i in order]
