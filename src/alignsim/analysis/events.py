"""The scenario events that fired in a run: when each was dated and when it was applied."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from alignsim.model.recorder import Result
from alignsim.scenario.calendar import DateError, month_index

__all__ = ["FiredEvent", "fired_events", "in_date_order"]


@dataclass(frozen=True)
class FiredEvent:
    """A scenario event that fired: the step it was applied at and that step's date, the
    event's own date from the scenario (None for events with a window instead of a date),
    and its note."""

    step: int
    applied: str
    dated: str | None
    note: str

    @property
    def late(self) -> bool:
        """Applied after its own date: the date falls inside a step, or on the start date
        (the first update is step 1; step 0 is the starting state)."""
        return self.dated is not None and not _same_month(self.dated, self.applied)

    def label(self) -> str:
        """``Cuban crisis (dated 1962-10)`` when applied later than dated, else the note."""
        return f"{self.note} (dated {self.dated})" if self.late else self.note


def fired_events(result: Result) -> list[FiredEvent]:
    """Every scenario event that fired, in order, with the step it was applied at.

    An event applies at the first step on or after its date (``step_of_date`` in
    ``alignsim.scenario.calendar``): with yearly steps an event dated 1962-10 applies at the
    step of 1963, with quarterly steps one dated 2014-03 at 2014-Q2.
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
        at = getattr(spec, "at", None)
        dated = at.isoformat()[:7] if isinstance(at, dt.date) else at
        note = str(row["detail"])
        if "effect" not in row:  # older tables: "note (effect)" in one column
            note = note.split(" (")[0]
        step = int(row["step"])
        own = dated if isinstance(dated, str) else None
        out.append(FiredEvent(step, result.dates[step], own, note))
    return out


def _same_month(dated: str, applied: str) -> bool:
    """Whether a date and a step's date label start in the same month."""
    try:
        return month_index(dated) == month_index(applied)
    except DateError:
        return dated == applied


def in_date_order(events: list[FiredEvent]) -> list[FiredEvent]:
    """Events by the step they applied at, then by their own date; chance events, which
    have none, last in their step (they are drawn when the step is taken)."""
    last = 10**9
    return sorted(
        events, key=lambda e: (e.step, month_index(e.dated) if e.dated is not None else last)
    )
