"""Checks of a run folder's tables shared by the tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

#: Text columns of the run folder's tables; every other column holds numbers.
TEXT_COLUMNS = {"date", "source", "target", "level", "state", "kind", "subject", "detail",
                "effect", "cause", "drivers"}  # fmt: skip
#: events.csv leaves the cells that do not apply to a row empty (a scenario event has no
#: payoff parts, drivers or strengths, a crossing no effect); every other cell of every table
#: is filled.
EVENT_OPTIONAL = ("effect", "cause", "strength_before", "strength_after", "payoff_ab.",
                  "payoff_ba.", "drivers", "sustained", "reference")  # fmt: skip


def assert_finite_tables(folder: Path) -> None:
    """No empty cell (NaN) where a value belongs, and every number finite."""
    for table in sorted(folder.glob("*.csv")):
        frame = pd.read_csv(table, dtype=str, keep_default_na=False)
        for column in frame.columns:
            values = frame[column]
            if table.name == "events.csv" and column.startswith(EVENT_OPTIONAL):
                values = values[values != ""]
            elif column not in TEXT_COLUMNS or table.name != "events.csv":
                assert (values != "").all(), f"{table.name}: empty cell in {column}"
            if column in TEXT_COLUMNS:
                continue
            numbers = pd.to_numeric(values, errors="raise").to_numpy(dtype=float)
            assert np.isfinite(numbers).all(), f"{table.name}: {column} is not finite"
