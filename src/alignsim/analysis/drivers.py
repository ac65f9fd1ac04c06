"""Which payoff parts drove a level crossing, read from an events.csv row."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def part_label(name: str) -> str:
    """'interest.counter_terrorism' -> 'counter-terrorism'."""
    if name.startswith("interest."):
        return name.removeprefix("interest.").replace("_", " ").replace(" ", "-")
    return name


def cooler_side(row: Mapping[str, Any]) -> str:
    """The direction whose payoff set the mutual payoff M = min(U_ab, U_ba)."""
    return "payoff_ab" if row["payoff_ab.total"] <= row["payoff_ba.total"] else "payoff_ba"


def main_drivers(row: Mapping[str, Any], part_names: list[str], count: int = 3) -> str:
    """The largest parts of the binding side, signed, e.g. 'defense +0.31, balance −0.05'."""
    side = cooler_side(row)
    values = [(name, float(row[f"{side}.{name}"])) for name in part_names]
    values = [(n, v) for n, v in values if abs(v) >= 0.005]
    values.sort(key=lambda nv: -abs(nv[1]))
    text = ", ".join(f"{part_label(n)} {signed(v)}" for n, v in values[:count])
    return text or "no part above 0.005"


def event_cause(row: Mapping[str, Any]) -> str:
    """', set by the event druzhba_2016' when a scenario event moved the tie, else ''."""
    cause = row.get("cause")
    return f", set by the event {cause}" if isinstance(cause, str) and cause else ""


def signed(value: float) -> str:
    return f"+{value:.2f}" if value >= 0 else f"−{abs(value):.2f}"


#: Each level boundary's (upward, downward) crossing kinds, as the model records them.
OPPOSITES = {
    "formed": "broken",
    "alliance": "alliance_ended",
    "rivalry_ended": "rival",
    "hostility_ended": "hostile",
}
OPPOSITES.update({down: up for up, down in list(OPPOSITES.items())})


def net_crossings(rows: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Drop crossings that a later revision in the same step undid.

    Under random activation both states of a pair revise it within one step, so a tie can
    cross a boundary and cross back before the step ends; only crossings that still hold at
    the end of the step are a change of level worth reporting.
    """
    kept: list[Mapping[str, Any]] = []
    for row in rows:
        undo = OPPOSITES.get(row["kind"])
        match = next(
            (
                k
                for k in range(len(kept) - 1, -1, -1)
                if kept[k]["kind"] == undo
                and kept[k]["subject"] == row["subject"]
                and kept[k]["step"] == row["step"]
            ),
            None,
        )
        if match is None:
            kept.append(row)
        else:
            del kept[match]
    return kept
