"""A sweep folder's tables as single files: every run in one CSV or one Parquet file.

For tools that read neither Parquet nor folders of Parquet chunks (spreadsheets, R without
arrow). Each table the folder stores as Parquet files (:data:`TABLES`: the runs, and the
per-step series when the sweep keeps any) is written as ``NAME.csv`` or ``NAME.parquet``,
by default into ``DIR/export/``, with its rows in key order (the runs by point and
replication, the series by run, outcome and step) and its columns in the stored order.

The rows stream through memory. Chunks hold runs in completion order, but tasks are sent
in design order, so each chunk covers a narrow band of points: the chunks are read in the
order of their smallest point, and a row is written as soon as no chunk still to be read
can hold a row before it. About one chunk's rows are held at a time, whatever the size of
the sweep (and never more than all of them, however the runs finished).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from alignsim.sweep import storage
from alignsim.sweep.storage import StorageError

EXPORT = "export"
#: Rows gathered before a write: a Parquet row group, one block of CSV text.
BLOCK_ROWS = 65_536


class ExportError(StorageError):
    """An export that cannot be done as asked (bad format, existing file, unreadable chunk)."""


# --- tables ------------------------------------------------------------------------------


def _runs_schema(manifest: dict[str, Any]) -> Any:  # -> pyarrow.Schema
    """The runs' columns as the manifest declares them: keys, parameters, outcomes, status."""
    return storage.arrow_schema(manifest["parameter_kinds"], manifest["outcome_kinds"])


@dataclass(frozen=True)
class Table:
    """A table a sweep folder stores as Parquet files, and how to put its rows in order."""

    name: str
    files: Callable[[Path], list[Path]]
    """The table's Parquet files in a folder (none: the table is not exported)."""
    order: tuple[str, ...]
    """Key columns, the first being the one whose smallest value orders the files."""
    schema: Callable[[dict[str, Any]], Any] | None = None
    """Columns from the manifest (so an empty table still has them); None: the first file's."""
    always: bool = False
    """Exported even without files (a header alone): every sweep has runs."""


#: Every table of a sweep folder that is exported, the main one first. Another table stored
#: as Parquet files (per-step series, say) is one more line: its name, its files, its key.
TABLES: tuple[Table, ...] = (
    Table("runs", storage.chunk_files, ("point", "replication"), _runs_schema, always=True),
    Table("series", storage.series_files, ("run", "outcome", "step")),
)


# --- output formats ----------------------------------------------------------------------


class _CsvSink:
    """CSV as pandas writes it: a header, integers as integers, no index, ``\\n`` line ends;
    equal to ``read_runs(DIR).to_csv(index=False, lineterminator="\\n")``."""

    def __init__(self, handle: Any, schema: Any) -> None:
        import io

        self.text = io.TextIOWrapper(handle, encoding="utf-8", newline="")
        self._frame(schema.empty_table()).to_csv(self.text, index=False, lineterminator="\n")

    @staticmethod
    def _frame(table: Any) -> Any:
        return storage._to_frame(table)  # integers stay integers, empty where a run failed

    def write(self, table: Any) -> None:
        self._frame(table).to_csv(self.text, header=False, index=False, lineterminator="\n")

    def close(self) -> None:
        self.text.flush()
        self.text.detach()


class _ParquetSink:
    """One Parquet file (zstd, as the chunks), a row group per block of rows."""

    def __init__(self, handle: Any, schema: Any) -> None:
        import pyarrow.parquet as pq

        self.writer = pq.ParquetWriter(handle, schema, compression="zstd")

    def write(self, table: Any) -> None:
        self.writer.write_table(table)

    def close(self) -> None:
        self.writer.close()


FORMATS: dict[str, tuple[str, Callable[[Any, Any], Any]]] = {
    "csv": (".csv", _CsvSink),
    "parquet": (".parquet", _ParquetSink),
}


# --- the plan ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One table's export: its files, its columns, the file to write."""

    table: Table
    files: list[Path]
    schema: Any
    path: Path


@dataclass(frozen=True)
class ExportPlan:
    """What an export will write, checked before anything is written."""

    folder: Path
    fmt: str
    targets: list[Target]
    design_runs: int
    """Runs in the sweep's design (points × replications)."""
    stored_runs: int
    """Runs stored in the folder's chunks: what is exported."""
    journalled_runs: int
    """Runs of a killed sweep still only in a journal (``--resume`` folds them in)."""

    def note(self) -> str | None:
        """One line for a sweep that stopped (or is still running) before its design's end."""
        if self.stored_runs >= self.design_runs:
            return None
        journal = (f" ({self.journalled_runs} more are in its journal)"
                   if self.journalled_runs else "")  # fmt: skip
        return (
            f"{self.folder}: a stopped sweep, holding {self.stored_runs} of the "
            f"{self.design_runs} runs of its design{journal}; exporting those "
            f"{self.stored_runs} (alignsim sweep --resume {self.folder} finishes the sweep)"
        )


def plan_export(folder: str | Path, fmt: str = "csv", out: str | Path | None = None) -> ExportPlan:
    """Check a sweep folder, a format and where to write; raise :class:`StorageError` (a
    one-line message naming the path) if the export cannot be done as asked."""
    folder = Path(folder)
    if fmt not in FORMATS:
        choices = " or ".join(FORMATS)
        raise ExportError(f"{folder}: cannot export as {fmt!r}; choose {choices}")
    manifest = storage.read_manifest(folder)
    found = [(t, t.files(folder)) for t in TABLES]
    found = [(t, files) for t, files in found if files or t.always]
    paths = _destinations(folder, fmt, out, [t.name for t, _ in found])
    targets = [Target(t, files, _schema(folder, t, files, manifest), path)
               for (t, files), path in zip(found, paths, strict=True)]  # fmt: skip
    for target in targets:
        _check_target(folder, target.path)
    runs = next(t for t in targets if t.table is TABLES[0])
    try:
        design = int(manifest["runs"])
    except (KeyError, TypeError, ValueError):
        raise ExportError(f"{folder / storage.MANIFEST}: no valid number of runs") from None
    stored = sum(_row_count(path) for path in runs.files)
    journalled = _journalled_only(folder, runs.files) if stored < design else 0
    return ExportPlan(folder, fmt, targets, design, stored, journalled)


def _schema(folder: Path, table: Table, files: list[Path], manifest: dict[str, Any]) -> Any:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if table.schema is not None:
        try:
            return table.schema(manifest)
        except (KeyError, AttributeError, TypeError, ValueError) as error:
            raise ExportError(
                f"{folder / storage.MANIFEST}: no valid columns for {table.name} ({error!r})"
            ) from None
    try:
        return pq.read_schema(files[0])
    except (pa.ArrowException, OSError) as error:
        raise ExportError(f"{files[0]}: not a readable Parquet file ({error})") from None


def _destinations(folder: Path, fmt: str, out: str | Path | None, names: list[str]) -> list[Path]:
    """``DIR/export/NAME.EXT`` by default; ``--out FOLDER``: ``FOLDER/NAME.EXT``; ``--out
    FILE.EXT``: the main table there and any other beside it as ``FILE-NAME.EXT``."""
    suffix = FORMATS[fmt][0]
    if out is None:
        return [folder / EXPORT / f"{name}{suffix}" for name in names]
    out = Path(out)
    other = {s for s, _ in FORMATS.values()} - {suffix}
    if out.suffix == suffix and not out.is_dir():
        return [out, *(out.with_name(f"{out.stem}-{name}{suffix}") for name in names[1:])]
    if out.suffix in other and not out.is_dir():
        raise ExportError(f"{out}: a {fmt} export is written as a {suffix} file or into a folder")
    return [out / f"{name}{suffix}" for name in names]


def _check_target(folder: Path, path: Path) -> None:
    _refuse_existing(path)
    if path.parent.resolve() == (folder / storage.RUNS).resolve():
        raise ExportError(f"{path}: {folder / storage.RUNS} holds the sweep's own chunks; "
                          "choose another --out")  # fmt: skip


def _refuse_existing(path: Path) -> None:
    if path.exists() or path.is_symlink():
        raise ExportError(f"{path}: exists; remove it or choose another --out")


def _row_count(path: Path) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(path).metadata.num_rows
    except (pa.ArrowException, OSError) as error:
        raise ExportError(f"{path}: not a readable Parquet file ({error})") from None


def _journalled_only(folder: Path, chunks: list[Path]) -> int:
    """How many journalled runs are in no chunk (a kill before the chunk was written)."""
    keys = storage.journal_keys(folder)
    for path in chunks if keys else []:
        table = _read(path, ["point", "replication"])
        pairs = zip(table["point"].to_pylist(), table["replication"].to_pylist(), strict=True)
        keys.difference_update(pairs)
    return len(keys)


# --- writing -----------------------------------------------------------------------------


class Written(NamedTuple):
    table: str
    path: Path
    rows: int


def write_export(plan: ExportPlan) -> list[Written]:
    """Write every target of ``plan``; the files written and their numbers of rows."""
    return [Written(t.table.name, t.path, _write_target(t, plan.fmt)) for t in plan.targets]


def export_sweep(
    folder: str | Path, fmt: str = "csv", out: str | Path | None = None
) -> list[Written]:
    """Export a sweep folder's tables (see :func:`plan_export`); the files and their rows."""
    return write_export(plan_export(folder, fmt, out))


def _write_target(target: Target, fmt: str) -> int:
    """Stream a table into a hidden temporary file, then give it its name (never over a file
    that exists: a killed export leaves no half file under the final name)."""
    _, sink_class = FORMATS[fmt]
    target.path.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.path.with_name(f".{target.path.name}.tmp")
    rows = 0
    try:
        with open(tmp, "wb") as handle:
            sink = sink_class(handle, target.schema)
            for block in _blocks(_in_order(target), BLOCK_ROWS):
                sink.write(block)
                rows += block.num_rows
            sink.close()
            handle.flush()
            os.fsync(handle.fileno())
        _refuse_existing(target.path)  # nobody wrote it meanwhile
        os.replace(tmp, target.path)
    finally:
        tmp.unlink(missing_ok=True)
    return rows


def _read(path: Path, columns: list[str], schema: Any = None) -> Any:
    """Some columns of one Parquet file, in that order (and of ``schema``'s types)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path, columns=columns).select(columns)
        return table if schema is None else table.cast(schema)
    except (pa.ArrowException, OSError, KeyError) as error:
        raise ExportError(f"{path}: not a readable chunk of this sweep ({error})") from None


def _smallest(path: Path, column: str) -> Any:
    import pyarrow.compute as pc

    return pc.min(_read(path, [column])[column]).as_py()


def _in_order(target: Target) -> Iterator[Any]:
    """The table's rows sorted by its key, one slice at a time (see the module's docstring)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    lead, schema = target.table.order[0], target.schema
    starts = sorted((low, i) for i, p in enumerate(target.files)
                    if (low := _smallest(p, lead)) is not None)  # fmt: skip
    keys = [(name, "ascending") for name in target.table.order]
    pending = schema.empty_table()
    for position, (_, index) in enumerate(starts):
        chunk = _read(target.files[index], schema.names, schema)
        pending = pa.concat_tables([pending, chunk]).sort_by(keys)
        if position + 1 < len(starts):  # no later file holds a row below its smallest key
            bound = starts[position + 1][0]
            ready = pc.sum(pc.less(pending[lead], bound)).as_py() or 0
        else:
            ready = pending.num_rows
        if ready:
            yield pending.slice(0, ready)
        pending = pending.slice(ready)


def _blocks(tables: Iterable[Any], rows: int) -> Iterator[Any]:
    """The same rows gathered into tables of at least ``rows`` rows (the last may be less)."""
    import pyarrow as pa

    held: list[Any] = []
    count = 0
    for table in tables:
        held.append(table)
        count += table.num_rows
        if count >= rows:
            yield pa.concat_tables(held).combine_chunks()
            held, count = [], 0
    if held:
        yield pa.concat_tables(held).combine_chunks()
