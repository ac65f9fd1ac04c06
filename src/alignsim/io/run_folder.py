"""The run folder (README, "Using it"): tables, resolved scenario, manifest, summary and plots.

The folder is written under a temporary name beside its destination and renamed into
place when complete, so a run that is interrupted never leaves a folder that looks whole,
and an existing run is never overwritten.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import shutil
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from alignsim.model.recorder import Result

TABLES = ("ties", "states", "metrics", "events")


class RunFolderError(Exception):
    """The run folder cannot be written where it was asked for."""


def safe_name(name: str) -> str:
    """A scenario name usable as one folder name (no separators, dots or control chars)."""
    cleaned = re.sub(r"[^\w.-]+", "-", name, flags=re.UNICODE).strip("-.")
    return cleaned[:80] or "scenario"


def default_run_dir(root: Path, scenario_name: str, seed: int, now: datetime) -> Path:
    """Reserve ``results/<scenario>/<UTC time>-seed<N>`` (``-2``, ``-3``… if taken).

    The folder is created empty at once, so runs started in the same second never pick the
    same name; ``write_run_folder`` later replaces it with the complete folder.
    """
    base = Path(root) / safe_name(scenario_name) / f"{now:%Y%m%dT%H%M%SZ}-seed{seed}"
    base.parent.mkdir(parents=True, exist_ok=True)
    candidate, n = base, 1
    while True:
        try:
            candidate.mkdir()
            return candidate
        except FileExistsError:
            n += 1
            candidate = base.with_name(f"{base.name}-{n}")


def check_destination(out: Path) -> None:
    """Refuse a destination that exists and is not an empty folder, or lies under a file."""
    if out.exists() and not out.is_dir():
        raise RunFolderError(f"{out}: is a file; --out must name a folder")
    if out.is_dir() and any(out.iterdir()):
        raise RunFolderError(
            f"{out}: already exists and is not empty; choose another --out "
            "(alignsim never overwrites a run)"
        )
    for parent in out.parents:
        if parent.exists():
            if not parent.is_dir():
                raise RunFolderError(f"{out}: {parent} is a file, not a folder")
            break


def write_run_folder(
    result: Result,
    out: Path,
    *,
    command: list[str],
    started: datetime,
    write_extras: Callable[[Result, Path], None] | None = None,
) -> Path:
    """Write every file of the run folder to ``out``; return its path.

    ``write_extras`` receives the temporary folder to add summary and plots, so that they
    are part of the same atomic rename.
    """
    out = Path(out)
    check_destination(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))
    try:
        (tmp / "scenario.yaml").write_text(result.scenario.to_yaml(), encoding="utf-8")
        frames = {
            "ties": result.ties_frame(),
            "states": result.states_frame(),
            "metrics": result.metrics_frame(),
            "events": result.events_frame(),
        }
        for name, frame in frames.items():
            frame.to_csv(tmp / f"{name}.csv", index=False, lineterminator="\n")
        if write_extras is not None:
            write_extras(result, tmp)
        manifest = _manifest(result, tmp, command, started)
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
        os.chmod(tmp, 0o755)
        if out.exists():
            out.rmdir()  # empty, checked above
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def _manifest(result: Result, folder: Path, command: list[str], started: datetime) -> dict:
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return {
        "scenario": result.scenario.name,
        "scenario_sha256": result.scenario.content_hash(),
        "seed": result.seed,
        "steps": result.steps,
        "start_date": result.dates[0],
        "end_date": result.dates[-1],
        "recording": {
            "every": result.recorder.every,
            "ties": "all" if result.recorder.pairs is None else "watched",
        },
        "versions": {
            "alignsim": _version("alignsim"),
            "mesa": _version("mesa"),
            "numpy": _version("numpy"),
            "python": platform.python_version(),
        },
        "command": command,
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "platform": f"{platform.system()} {platform.machine()}; {sys.implementation.name}",
        "files": {
            p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in files
        },
    }


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"


def summary_and_figures(plots: bool = True) -> Callable[[Result, Path], None]:
    """The ``write_extras`` of ``alignsim run``: ``summary.md`` and, with ``plots``, the figures."""

    def extras(result: Result, folder: Path) -> None:
        from alignsim.analysis.summary import write_summary

        write_summary(result, folder)
        if plots:
            from alignsim.viz.figures import write_plots

            write_plots(result, folder)

    return extras
