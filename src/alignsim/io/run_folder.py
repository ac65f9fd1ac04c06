"""The run folder (README, "Using it"): tables, resolved scenario, manifest, summary and plots.

The folder is written under a temporary name beside its destination and renamed into
place when complete, so a run that is interrupted (even by SIGKILL or a power cut) never
leaves a folder at the destination, and an existing run is never overwritten.
"""

from __future__ import annotations

import errno
import hashlib
import itertools
import json
import os
import platform
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import pandas as pd

from alignsim.analysis.drivers import drivers_column
from alignsim.model.recorder import Result

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]

TABLES = ("ties", "states", "metrics", "events")
#: Suffix of the hidden folder a run is written into before it is renamed into place.
PARTIAL = ".partial"
#: A temporary folder nobody holds is removed once it is this old (seconds).
STALE_SECONDS = 60.0


class RunFolderError(Exception):
    """The run folder cannot be written where it was asked for."""


#: Longest folder name made from a scenario name, in UTF-8 bytes (file systems allow 255).
NAME_BYTES = 80


def safe_name(name: str) -> str:
    """A scenario name usable as one folder name inside the results folder.

    Letters and digits of any script, ``_``, ``.`` and ``-`` are kept, every other run of
    characters (separators, spaces, control characters) becomes one ``-``; leading and
    trailing dots and dashes go, so ``../../etc/x`` becomes ``etc-x`` and the name can never
    be ``.`` or ``..``. At most :data:`NAME_BYTES` bytes are kept; a name with nothing left
    becomes ``scenario``.
    """
    cleaned = re.sub(r"[^\w.-]+", "-", name, flags=re.UNICODE).strip("-.")
    cleaned = cleaned.encode("utf-8")[:NAME_BYTES].decode("utf-8", "ignore").strip("-.")
    return cleaned or "scenario"


def default_run_dir(root: Path, scenario_name: str, seed: int, now: datetime) -> Path:
    """``results/<scenario>/<UTC time>-seed<N>``, the first of ``-2``, ``-3``… not taken.

    Nothing is created: ``write_run_folder(..., unique=True)`` renames the complete folder
    into place and moves on to the next free name if another run took this one meanwhile.
    """
    base = Path(root) / safe_name(scenario_name) / f"{now:%Y%m%dT%H%M%SZ}-seed{seed}"
    candidate = base
    for n in itertools.count(2):
        if not candidate.exists():
            return candidate
        candidate = base.with_name(f"{base.name}-{n}")
    raise AssertionError("unreachable")  # pragma: no cover


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
    unique: bool = False,
) -> Path:
    """Write every file of the run folder and rename it to ``out``; return its path.

    The files are written into a hidden temporary folder beside ``out``
    (``.NAME.XXXX.partial``), flushed to disk, and the folder is renamed to ``out`` only
    when complete: a run killed at any moment leaves no folder at ``out``, and one that
    fails removes its temporary folder. The writer holds a lock on its temporary folder;
    those of killed runs are removed by the next run here (``remove_stale_partials``).
    ``out`` may be missing or an empty folder; a folder that is not empty is never
    replaced. With ``unique`` (default run folders), a name another run took meanwhile is
    skipped for the next free one (``-2``, ``-3``…).

    ``write_extras`` receives the temporary folder to add summary and plots, so that they
    are part of the same atomic rename.
    """
    out = Path(out)
    if not unique:
        check_destination(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_partials(out.parent)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=PARTIAL, dir=out.parent))
    lock = _lock(tmp)
    try:
        (tmp / "scenario.yaml").write_text(result.scenario.to_yaml(), encoding="utf-8")
        frames = {
            "ties": result.ties_frame(),
            "states": result.states_frame(),
            "metrics": result.metrics_frame(),
            "events": events_table(result),
        }
        for name, frame in frames.items():
            frame.to_csv(tmp / f"{name}.csv", index=False, lineterminator="\n")
        if write_extras is not None:
            write_extras(result, tmp)
        manifest = _manifest(result, tmp, command, started)
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
        _fsync_tree(tmp)
        os.chmod(tmp, 0o755)
        base, n = out, 1
        while True:
            try:
                os.rename(tmp, out)  # replaces an empty folder, never a full one
                break
            except OSError as error:
                taken = error.errno in (errno.ENOTEMPTY, errno.EEXIST) or (
                    error.errno == errno.ENOTDIR and out.exists()
                )
                if not (unique and taken):
                    if taken:
                        raise RunFolderError(
                            f"{out}: another run wrote this folder meanwhile; alignsim "
                            "never overwrites a run"
                        ) from None
                    raise
                while out.exists():
                    n += 1
                    out = base.with_name(f"{base.name}-{n}")
        _fsync_dir(out.parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        if lock is not None:
            os.close(lock)
    return out


def events_table(result: Result) -> pd.DataFrame:
    """events.csv: the run's event rows, each level crossing with its ``drivers``."""
    frame = result.events_frame()
    where = frame.columns.get_loc("strength_after") + 1
    frame.insert(where, "drivers", drivers_column(frame, result.part_names))
    return frame


def _lock(folder: Path) -> int | None:
    """Hold an exclusive lock on ``folder`` for as long as this process writes it: the
    operating system drops the lock when the process dies, however it dies."""
    if fcntl is None:  # pragma: no cover - not POSIX
        return None
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # a file system without locks: nothing will count the folder as stale
        os.close(fd)
        return None
    return fd


def remove_stale_partials(parent: Path, *, older_than: float = STALE_SECONDS) -> list[Path]:
    """Delete the temporary folders of killed runs in ``parent``; the folders deleted.

    A temporary folder is stale when no process holds its lock (its writer is gone) and it
    is older than ``older_than`` seconds (so a folder made an instant ago, not yet locked,
    is left to its writer). Nothing is deleted where locks are not available.
    """
    if fcntl is None:  # pragma: no cover - not POSIX
        return []
    removed = []
    now = time.time()
    try:
        entries = [p for p in parent.iterdir() if p.name.startswith(".")]
    except OSError:
        return []
    for path in entries:
        if not path.name.endswith(PARTIAL) or path.is_symlink() or not path.is_dir():
            continue
        try:
            if now - path.stat().st_mtime < older_than:
                continue
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # held by a live run, or no locks here
            continue
        else:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
        finally:
            os.close(fd)
    return removed


def _fsync_tree(folder: Path) -> None:
    """Flush every file of ``folder`` (and the folders) to disk before the rename."""
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
        elif path.is_dir():
            _fsync_dir(path)
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory handles
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - file systems that cannot sync folders
        pass
    finally:
        os.close(fd)


def _manifest(result: Result, folder: Path, command: list[str], started: datetime) -> dict:
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
            "numba": _version("numba"),  # compiles the step: its version can move last bits
            "python": platform.python_version(),
        },
        "command": command,
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "platform": f"{platform.system()} {platform.machine()}; {sys.implementation.name}",
        "files": file_hashes(folder),
    }


#: The manifest's own name; it lists every other file of the folder.
MANIFEST = "manifest.json"
#: Prefix of the temporary file a new manifest is written to before it replaces the old one.
MANIFEST_PART = ".manifest.json."
#: Network snapshots as ``write_plots`` names them, one per chosen step.
SNAPSHOT = re.compile(r"network_\d+\.png")


def file_hashes(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder`` (path relative to it, sorted), except the
    manifest itself and a manifest being written."""
    folder = Path(folder)
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != MANIFEST and not path.name.startswith(MANIFEST_PART)
    }


def replaced_snapshots(folder: Path, kept: list[Path]) -> list[Path]:
    """Network snapshots in ``folder/plots`` that a new ``alignsim plot`` did not redraw.

    Only pictures alignsim wrote count: named ``network_<step>.png`` and listed in the
    manifest with the SHA-256 they still have. A file of that name that the manifest does
    not list, or that was changed since, is the user's and stays.
    """
    folder = Path(folder)
    listed = _read_manifest(folder).get("files", {})
    redrawn = {Path(path).resolve() for path in kept}
    out = []
    for path in sorted((folder / "plots").glob("network_*.png")):
        name = path.relative_to(folder).as_posix()
        if not SNAPSHOT.fullmatch(path.name) or path.resolve() in redrawn:
            continue
        if name in listed and listed[name] == hashlib.sha256(path.read_bytes()).hexdigest():
            out.append(path)
    return out


def remove_replaced_snapshots(folder: Path, kept: list[Path]) -> list[Path]:
    """Delete the snapshots :func:`replaced_snapshots` finds; return them."""
    removed = replaced_snapshots(folder, kept)
    for path in removed:
        path.unlink()
    return removed


def update_manifest(folder: Path, command: list[str]) -> Path:
    """Make ``manifest.json`` list the folder's files as they are now, after ``alignsim
    plot`` or ``animate`` added or removed some; the command is appended to ``updates``.

    The new manifest is written to a temporary file in the folder, flushed and renamed
    over the old one, so a reader sees the old manifest or the new one, never half of one.
    """
    folder = Path(folder)
    manifest = _read_manifest(folder)
    manifest["files"] = file_hashes(folder)
    manifest.setdefault("updates", []).append(
        {"command": command, "at": datetime.now(UTC).isoformat(timespec="seconds")}
    )
    fd, part = tempfile.mkstemp(prefix=MANIFEST_PART, suffix=".part", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(manifest, indent=2) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(part, (folder / MANIFEST).stat().st_mode & 0o777)  # mkstemp makes it 0600
        os.replace(part, folder / MANIFEST)
    except BaseException:
        Path(part).unlink(missing_ok=True)
        raise
    _fsync_dir(folder)
    return folder / MANIFEST


def _read_manifest(folder: Path) -> dict:
    return json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"
