"""The observed history of an imported network: the later windows' signs, as docs/observed.md
has them, so that a calibration can hold runs from the start window against what followed.

A window is dated at its last year, as the scenario's calendar is (docs/networks.md). A
row holds a pair's sign in one window. With ``--observed-pairs tied`` (the default): every
pair with a tie in it, and every pair that had a tie in an earlier window (from the start
window on) and has none in this one, with value 0: no alliance and no conflict in the
window, which is not the same as neutrality. With ``all``: every pair of states in the
window, 0 where it has no tie. ``tied`` is short, but which pairs it lists depends on what
happened (a pair's first row is its first tie), so a forecast scored on it is scored on
pairs chosen by their outcome; ``all`` lists the pairs whatever happened, as a forecast test
needs. A pair with a state that is not in the window gets no row: the state is out of the
world then, and a 0 would be right by construction. ``--observed-every N`` keeps every N-th
window, so that the windows kept do not overlap.
"""

from __future__ import annotations

import csv
import io

from ..observed import COLUMNS
from .edges import Pair, Window
from .plan import ImportOptions, Plan


def history_rows(plan: Plan, options: ImportOptions) -> list[tuple[str, str, str, int, str]]:
    """``(date, source, target, sign, note)`` for every observation, by date, then pair."""
    windows = plan.networks.windows
    tied: set[Pair] = {pair for pair, sign in windows[plan.start].signs.items() if sign}
    rows = []
    for index in range(plan.start + 1, plan.observed.stop if plan.observed else 0):
        window = windows[index]
        if index in plan.observed:
            rows += _window_rows(window, tied, options)
        tied |= {pair for pair, sign in window.signs.items() if sign}
    return rows


def _window_rows(
    window: Window, tied: set[Pair], options: ImportOptions
) -> list[tuple[str, str, str, int, str]]:
    """The rows of one window: its ties, and 0 for the pairs tied before (or, with
    ``all``, every other pair of its states) and not now."""
    note = f"{options.label} window {window.label}".strip()
    if options.observed_pairs == "all":
        ordered = sorted(window.states)
        tied = {frozenset((a, b)) for k, a in enumerate(ordered) for b in ordered[k + 1 :]}
    dropped = {pair for pair in tied if pair <= window.states and not window.signs.get(pair)}
    signs = {pair: sign for pair, sign in window.signs.items() if sign}
    signs |= dict.fromkeys(dropped, 0)
    date = str(window.last_year)
    return [(date, *sorted(pair), signs[pair], note) for pair in sorted(signs, key=sorted)]


def history_text(plan: Plan, options: ImportOptions, command: str) -> str:
    """The observed-history CSV: a header comment naming ``command``, then the rows."""
    windows = plan.networks.windows
    low, high = windows[plan.observed[0]], windows[plan.observed[-1]]
    start = windows[plan.start]
    data = f"{options.label} " if options.label else ""
    which = (
        "every pair of states in the window"
        if options.observed_pairs == "all"
        else "the pairs that had a tie in an earlier window"
    )
    if plan.observed.step > 1:
        which += f", one window in {plan.observed.step} from {low.label}"
    out = io.StringIO()
    out.write("\n".join([
        f"# Observed history: the {data}signed networks of {plan.networks.file}, windows "
        f"{low.label} to {high.label},",
        f"# for the scenario that starts from window {start.label}. Written by:",
        f"#   {command}",
        "# Each window is dated at its last year. A row is a pair's sign in the window: +1",
        "# alliance or peace treaty, -1 war or militarized conflict, 0 neither (not neutrality;",
        f"# docs/networks.md), given for {which}.",
        "",
    ]))  # fmt: skip
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(history_rows(plan, options))
    return out.getvalue()
