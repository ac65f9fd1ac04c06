"""A run's folder with its summary and figures, and figures redrawn from a stored run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alignsim.analysis.summary import write_summary
from alignsim.io.reader import read_run
from alignsim.io.run_folder import remove_replaced_snapshots, update_manifest
from alignsim.model.recorder import Result
from alignsim.viz.animation import write_animation
from alignsim.viz.figures import write_plots


def summary_and_figures(plots: bool = True) -> Callable[[Result, Path], None]:
    """The ``write_extras`` of a run folder (:func:`alignsim.io.write_run_folder`):
    ``summary.md`` and, with ``plots``, the figures in ``plots/``."""

    def extras(result: Result, folder: Path) -> None:
        write_summary(result, folder)
        if plots:
            write_plots(result, folder)

    return extras


def redraw_figures(
    run_dir: Path, command: list[str], *, steps: list[int] | None = None, all_ties: bool = False
) -> tuple[list[Path], list[Path]]:
    """Draw a stored run's figures again (``alignsim plot``): the figures written, and the
    snapshots removed because they showed steps not drawn this time. The manifest records
    the command. Raises :class:`~alignsim.io.reader.RunFolderReadError` for a folder that
    cannot be read and ``ValueError`` for steps outside the run."""
    result = read_run(run_dir)
    paths = write_plots(result, run_dir, snapshot_steps=steps, all_ties=all_ties)
    removed = remove_replaced_snapshots(run_dir, paths)
    update_manifest(run_dir, command)
    return paths, removed


def animate(
    run_dir: Path, out: Path, command: list[str], *, fmt: str, fps: float, all_ties: bool
) -> Path:
    """Animate a stored run (``alignsim animate``) into ``out``; the manifest records the
    command when ``out`` is inside the run folder."""
    result = read_run(run_dir)
    path = write_animation(result, out, fmt=fmt, fps=fps, all_ties=all_ties)
    if path.resolve().is_relative_to(Path(run_dir).resolve()):  # else not the run's
        update_manifest(run_dir, command)
    return path
