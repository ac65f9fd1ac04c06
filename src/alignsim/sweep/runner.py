"""Running a sweep into a folder, resumably: ``run(sweep, out=DIR)``, ``run(out=DIR, resume=True)``.

The manifest is written before any run. Runs execute on an executor (local processes or
Dask, :mod:`alignsim.sweep.executors`); each finished run is journalled at once and the
rows stream into Parquet chunks (:mod:`alignsim.sweep.storage`), so a killed sweep loses only
the runs in flight. Only the current chunk's rows and a small window of tasks in flight are
in memory. Resuming re-loads the sweep from the manifest, refuses if the base scenario
changed since, folds the journalled runs into a chunk, and runs exactly the (point,
replication) not yet stored, with the same seeds, so the final folder equals an
uninterrupted sweep's, and ends with ``summary.csv`` (:mod:`alignsim.sweep.aggregate`).
Figures are drawn above this layer (:mod:`alignsim.workflows.sweep`).
"""

from __future__ import annotations

import contextlib
import platform
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from alignsim.sweep import storage
from alignsim.sweep.storage import StorageError
from alignsim.sweep.tasks import (
    STATUS_FAILED,
    Batches,
    RunBatch,
    SweepContext,
    iter_tasks,
    make_context,
    run_task,
)

DEFAULT_CHUNK = 1000
SEEDING = {
    "common": "seed of run (point, replication) = numpy.random.SeedSequence(seed).spawn("
    "replications)[replication].generate_state(1, dtype=uint32)[0], the same at every design "
    "point and scenario variant (common random numbers)",
    "independent": "seed of run (point, replication) = numpy.random.SeedSequence(seed).spawn("
    "points * replications)[point * replications + replication].generate_state(1, "
    "dtype=uint32)[0]",
}


class SweepInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped a sweep; its finished runs are stored and ``--resume`` continues it.

    A :class:`KeyboardInterrupt`, so code that handles Ctrl-C still does; it says how far
    the sweep got, for a message that does not need to look into the folder.
    """

    def __init__(self, out: Path, saved: int, total: int) -> None:
        super().__init__(f"{saved} of {total} runs are saved in {out}")
        self.out = out
        self.saved = saved
        self.total = total


@dataclass
class SweepRun:
    """What :func:`execute` did."""

    out: Path
    total: int
    """Runs in the design (points × replications)."""
    before: int
    """Runs already stored when it started (resume)."""
    ran: int
    failed: int
    seconds: float
    summary: Path | None
    plots: list[Path] = field(default_factory=list)
    """Figures written to ``DIR/plots/`` (by :func:`alignsim.workflows.sweep.run_sweep`;
    :func:`execute` stores runs and the summary, and draws nothing)."""
    folded: int = 0
    """Journalled runs of a killed sweep folded into a chunk when resuming."""


def _versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in ("alignsim", "mesa", "numpy", "numba", "pandas", "pyarrow", "pydantic", "dask",
                 "distributed"):  # fmt: skip
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[name] = metadata.version(name)
    return versions


def _sweep_text(sweep: Any) -> str:
    import yaml

    path = Path(sweep.path)
    if path.is_file():
        try:
            return path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            pass
    return yaml.safe_dump(sweep.document, sort_keys=False, allow_unicode=True)


def _load(sweep_or_path: Any) -> Any:
    from alignsim.sweep.spec import load_sweep

    if isinstance(sweep_or_path, str | Path):
        return load_sweep(sweep_or_path)
    return sweep_or_path


def _reload(manifest: dict[str, Any]) -> Any:
    """The sweep as stored in a manifest (its file text, read relative to its old place).
    A folder written before ``seeds:`` existed gave every run its own seed, and keeps doing
    so when resumed."""
    import dataclasses

    from alignsim.sweep.spec import load_sweep_text

    path = Path(manifest["sweep_path"])
    sweep = load_sweep_text(manifest["sweep_text"], filename=str(path), base_dir=path.parent)
    return dataclasses.replace(sweep, seeds=manifest.get("seeds", "independent"))


def _variants(sweep: Any) -> dict[str, dict[str, str]]:
    """What the manifest records of each scenario variant (resuming checks the hashes)."""
    return {
        label: {"path": str(Path(sweep.variant_paths[label]).resolve()), "name": s.name,
                "sha256": s.content_hash()}
        for label, s in (sweep.variants or {}).items()
    }  # fmt: skip


def build_manifest(
    sweep: Any, context: SweepContext, points: int, chunk: int, command: list[str] | None
) -> dict[str, Any]:
    design = sweep.design
    return {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command,
        "sweep_path": str(Path(sweep.path).resolve()),
        "sweep": sweep.document,
        "sweep_text": _sweep_text(sweep),
        "scenario_path": str(Path(sweep.scenario_path).resolve()),
        "scenario_name": sweep.scenario.name,
        "scenario_sha256": sweep.scenario.content_hash(),
        "seed": int(sweep.seed),
        "seeds": sweep.seeds,
        "seeding": SEEDING[sweep.seeds],
        "variants": _variants(sweep),
        "steps": int(sweep.steps),
        "replications": int(sweep.replications),
        "design": {
            "method": design.method,
            "samples": design.samples,
            "levels": getattr(design, "levels", None),
        },
        "points": points,
        "runs": points * int(sweep.replications),
        "parameters": list(context.parameters),
        "parameter_kinds": context.parameter_kinds,
        "outcomes": list(context.outcomes),
        "outcome_kinds": context.outcome_kinds,
        "never_columns": list(context.never_columns),
        "series": list(context.series),
        "series_columns": list(context.series_columns),
        "chunk": chunk,
        "versions": _versions(),
        "resumed": [],
    }


def make_executor(workers: int | None = None, scheduler: str | None = None) -> Any:
    """``scheduler`` None: local processes (``workers``, default all cores); "local": a Dask
    LocalCluster on 127.0.0.1; otherwise the address of a running Dask scheduler."""
    from alignsim.sweep.executors import DaskExecutor, LocalExecutor

    if scheduler is None:
        return LocalExecutor(workers)
    return DaskExecutor(scheduler, workers=workers)


def execute(
    sweep_or_path: Any = None,
    out: str | Path | None = None,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    chunk: int | None = None,
    resume: bool = False,
    progress: bool = True,
    command: list[str] | None = None,
    batch: int | None = None,
) -> SweepRun:
    """Run (or resume) a sweep into ``out``; see :func:`run`. Returns counts, not rows."""
    from alignsim.sweep.aggregate import write_summary
    from alignsim.sweep.designs import design_points

    if out is None:
        raise StorageError("a sweep needs an output folder (out=DIR / --out DIR)")
    out = Path(out)
    if chunk is not None and chunk < 1:
        raise StorageError(f"chunk: must be 1 or more, got {chunk}")
    if workers is not None and workers < 1:
        raise StorageError(f"workers: must be 1 or more, got {workers}")
    if batch is not None and batch < 1:
        raise StorageError(f"batch: must be 1 or more, got {batch}")

    if resume:
        manifest = storage.read_manifest(out)
        sweep = _reload(manifest)
        if sweep_or_path is not None:
            given = _load(sweep_or_path)
            if given.document != sweep.document:
                raise StorageError(
                    f"{out}: was started with a different sweep ({manifest['sweep_path']})"
                )
        then = {"": {"path": manifest["scenario_path"], "sha256": manifest["scenario_sha256"]},
                **manifest.get("variants", {})}  # fmt: skip
        now = {"": sweep.scenario.content_hash()} | {
            label: s.content_hash() for label, s in (sweep.variants or {}).items()
        }
        for label, stored in then.items():
            digest = now.get(label, "")
            if digest != stored["sha256"]:
                raise StorageError(
                    f"{out}: the scenario {stored['path']} changed since the sweep started "
                    f"(SHA-256 {stored['sha256'][:12]}… then, {digest[:12] or 'none'}… now); "
                    "resuming would mix results of two scenarios. Start a new sweep."
                )
        chunk = chunk or int(manifest.get("chunk") or DEFAULT_CHUNK)
    else:
        if sweep_or_path is None:
            raise StorageError("no sweep given (a sweep file, or resume=True with a folder)")
        sweep = _load(sweep_or_path)
        storage.check_new_folder(out)
        chunk = chunk or DEFAULT_CHUNK

    design = design_points(sweep)
    context = make_context(sweep, design)
    points = len(design)
    total = points * int(sweep.replications)

    if resume:
        expected = {k: manifest.get(k) for k in ("runs", "parameters", "outcome_kinds")}
        expected["series_columns"] = manifest.get("series_columns", [])
        now = {"runs": total, "parameters": list(context.parameters),
               "outcome_kinds": context.outcome_kinds,
               "series_columns": list(context.series_columns)}  # fmt: skip
        if expected != now:
            raise StorageError(f"{out}: the stored sweep no longer gives the same design")
        storage.remove_partial_chunks(out)
        schema = storage.arrow_schema(context.parameter_kinds, context.outcome_kinds)
        folded = storage.fold_journals(out, schema, chunk)
        done = storage.stored_keys(out)
        manifest["resumed"] = [*manifest.get("resumed", []),
            {"at": datetime.now(UTC).isoformat(timespec="seconds"), "command": command,
             "runs_stored": len(done), "runs_folded_from_journal": folded}]  # fmt: skip
        manifest.pop("format", None)
        storage.write_manifest(out, manifest)
    else:
        done = set()
        folded = 0
        storage.write_manifest(out, build_manifest(sweep, context, points, chunk, command))

    schema = storage.arrow_schema(context.parameter_kinds, context.outcome_kinds)
    writer = storage.ChunkWriter(out, schema, chunk)
    tasks = iter_tasks(sweep, design, context, skip=done)
    before = len(done)
    del done  # the keys are not needed while running
    failed = 0
    clock = time.perf_counter()
    bar = _bar(total, before, enabled=progress)
    try:
        if before < total:
            with make_executor(workers, scheduler) as executor:
                batches = Batches(tasks, total - before, executor.slots(), fixed=batch)
                # run_task looked up here, when called: a test may put a run of its own there
                for rows, seconds in executor.map_unordered(RunBatch(run_task), batches, context):
                    batches.record(len(rows), seconds)
                    for row in rows:
                        writer.add(row)
                        if row["status"] == STATUS_FAILED:
                            failed += 1
                            bar.set_postfix(failed=failed, refresh=False)
                    bar.update(len(rows))
    except BaseException as error:
        # an error or Ctrl-C: every finished run is in the journal already; write them as a
        # chunk if that still works, else --resume folds the journal in
        with contextlib.suppress(Exception):
            writer.flush()
        writer.close()
        if isinstance(error, KeyboardInterrupt) and not isinstance(error, SweepInterrupted):
            saved = before + writer.written + len(writer.rows)
            raise SweepInterrupted(out, saved, total) from None
        raise
    finally:
        bar.close()
    writer.flush()
    writer.close()
    seconds = time.perf_counter() - clock
    summary = write_summary(out)
    return SweepRun(out, total, before, writer.written, failed, seconds, summary, [], folded)


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def set_postfix(self, **kwargs: Any) -> None:
        pass

    def close(self) -> None:
        pass


def _bar(total: int, initial: int, *, enabled: bool) -> Any:
    if not enabled:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(
        total=total, initial=initial, unit="run", file=sys.stderr, dynamic_ncols=True,
        desc="sweep", smoothing=0.1,
    )  # fmt: skip


def run(
    sweep_or_path: Any = None,
    out: str | Path | None = None,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    chunk: int | None = None,
    resume: bool = False,
    progress: bool = True,
    command: list[str] | None = None,
    batch: int | None = None,
) -> Any:
    """Run a sweep (a :class:`Sweep` or a sweep file) into the folder ``out``; its runs as a
    DataFrame sorted by point and replication (:func:`alignsim.sweep.storage.read_runs`).

    ``workers``: local processes (default: all cores; 1 runs in this process).
    ``scheduler``: ``"local"`` for a Dask LocalCluster on 127.0.0.1, or the address of a
    Dask scheduler (``"tcp://host:8786"``). ``chunk``: runs per Parquet file (default 1000).
    ``resume=True``: continue the sweep stored in ``out`` (``sweep_or_path`` may be None).
    ``batch``: runs sent to a worker at a time
    (default: as many as take about a quarter of a second, see :class:`Batches`). A new
    sweep needs ``out`` not to exist or to be empty. Raises :class:`SweepError` for a bad
    sweep file and :class:`StorageError` for a folder that cannot be used.
    """
    done = execute(
        sweep_or_path, out, workers=workers, scheduler=scheduler, chunk=chunk, resume=resume,
        progress=progress, command=command, batch=batch,
    )  # fmt: skip
    return storage.read_runs(done.out)


read_runs = storage.read_runs
