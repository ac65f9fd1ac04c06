"""What a sweep's manifest says about its outcome columns, for everything that summarizes
them (``summary.csv``, the sweep figures, ``alignsim compare``): one reading of it."""

from __future__ import annotations

from typing import Any

#: Built-in outcomes whose columns hold a step, −1 when it never came.
STEP_OUTCOMES = ("first_triangle_step.",)


def never_columns(manifest: dict[str, Any]) -> list[str]:
    """The outcome columns holding a step, −1 when it never came (``first_triangle_step``,
    ``first step when …``): they are averaged over the runs where it came. A sweep folder
    written before the manifest listed them has ``first_triangle_step`` columns only."""
    if "never_columns" in manifest:
        return list(manifest["never_columns"])
    return [c for c in manifest.get("outcome_kinds", {}) if c.startswith(STEP_OUTCOMES)]
