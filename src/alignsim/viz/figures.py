"""All figures a run folder gets, written into ``plots/``.

| file | what it shows |
|---|---|
| ``network_<step>.png`` | the signed network at each snapshot step (one layout for all) |
| ``network_final.png`` | the same picture as the last step's snapshot |
| ``network_snapshots.png`` | the snapshots side by side |
| ``timeline_watched.png`` | watched ties over time with numbered, dated scenario events |
| ``heatmap_ties.png`` | every pair's tie strength over time, grouped by the final blocs |
| ``stances.png`` | stances and salience per dimension over time, a row per state by bloc |
| ``blocs.png`` | bloc membership of every state over time |
| ``balance_polarization.png`` | balance ratio, polarization, number of blocs over time |

The network pictures draw hostile ties at the hostile level only (``all_ties`` adds the
rival level); their keys say what is left out.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path

from alignsim.model.recorder import Result
from alignsim.viz.balance import plot_balance_polarization
from alignsim.viz.blocs import plot_blocs
from alignsim.viz.heatmap import plot_tie_heatmap
from alignsim.viz.network import layout, plot_networks, plot_snapshots
from alignsim.viz.stances import plot_stances
from alignsim.viz.timeline import plot_timeline


def default_snapshot_steps(steps: int) -> list[int]:
    """The start, three evenly spaced steps and the end (fewer when the run is shorter)."""
    return sorted({round(steps * k / 4) for k in range(5)})


def check_snapshot_steps(steps: Iterable[int], last: int) -> list[int]:
    """Sorted, distinct snapshot steps; ValueError naming the valid range otherwise."""
    chosen = sorted({int(s) for s in steps})
    bad = [s for s in chosen if not 0 <= s <= last]
    if bad:
        raise ValueError(
            f"snapshot step{'s' if len(bad) > 1 else ''} {', '.join(map(str, bad))} "
            f"outside the run (steps 0 to {last})"
        )
    if not chosen:
        raise ValueError("no snapshot steps given")
    return chosen


def write_plots(
    result: Result,
    folder: Path,
    *,
    snapshot_steps: Iterable[int] | None = None,
    all_ties: bool = False,
) -> list[Path]:
    """Write every figure of ``result`` into ``folder/plots/`` and return their paths.

    ``snapshot_steps`` chooses the steps of the network snapshots (default: start, three
    evenly spaced steps, end); ValueError if one lies outside 0..steps, or if the run's
    recording was thinned (``--record-every``, ``--record watched``). ``all_ties`` draws
    rival-level hostile ties in the network pictures too (default: hostile level only).
    """
    result.require_complete("alignsim plot")
    chosen = (
        default_snapshot_steps(result.steps)
        if snapshot_steps is None
        else check_snapshot_steps(snapshot_steps, result.steps)
    )
    plots = Path(folder) / "plots"
    positions = layout(result)
    pictures = {s: plots / f"network_{s}.png" for s in chosen}
    final = plots / "network_final.png"
    if result.steps not in pictures:
        pictures[result.steps] = final
    written = plot_networks(result, pictures, positions, all_ties=all_ties)
    if final not in written:
        shutil.copyfile(pictures[result.steps], final)
        written.append(final)
    written.append(
        plot_snapshots(
            result, chosen, plots / "network_snapshots.png", positions, all_ties=all_ties
        )
    )
    written.append(plot_timeline(result, plots / "timeline_watched.png"))
    written.append(plot_tie_heatmap(result, plots / "heatmap_ties.png"))
    written.append(plot_stances(result, plots / "stances.png"))
    written.append(plot_blocs(result, plots / "blocs.png"))
    written.append(plot_balance_polarization(result, plots / "balance_polarization.png"))
    return written
