"""A sweep folder: ``manifest.json``, Parquet chunks of runs under ``runs/``, ``summary.csv``.

::

    DIR/manifest.json              written first: the sweep, base scenario hash, seeds, versions
    DIR/runs/chunk-00000.parquet   one row per run, in completion order
    DIR/runs/journal-00002.jsonl   finished runs of the chunk being filled, one JSON line each
    DIR/series/chunk-00000.parquet the runs' per-step series (``series:``), in long form:
                                   run, point, replication, step, date, outcome, value
    DIR/summary.csv                per design point (see :mod:`alignsim.sweep.aggregate`)
    DIR/plots/                     figures (drawn by :mod:`alignsim.workflows.sweep`)

Durability. Every finished run is appended at once to the journal of the chunk being filled
(``runs/journal-NNNNN.jsonl``, one JSON line, flushed and fsynced), so a sweep killed at any
moment (Ctrl-C, SIGKILL, power loss) loses only the runs that were still in flight. When the
chunk is full its rows are written as ``chunk-NNNNN.parquet`` — to a hidden temporary name,
fsynced and renamed into place, so a chunk file either exists complete or not at all — and
then its journal is deleted. The series of a chunk's runs are written as
``series/chunk-NNNNN.parquet`` just before it (same number), so a series chunk without its
runs chunk is left over from a kill and is deleted when resuming. Resuming removes stray
temporary files and folds the journals' rows into a chunk (:func:`fold_journals`), dropping
any (point, replication) already stored in a chunk (a kill between the rename and the
deletion) or journalled twice, and the last line of a journal if it was cut off mid-write.
Only the current chunk's rows are held in memory.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"
RUNS = "runs"
SERIES = "series"
#: Where a run row carries its series (:data:`alignsim.sweep.tasks.SERIES_KEY`).
SERIES_KEY = "series"
SUMMARY = "summary.csv"
FORMAT = "alignsim-sweep/1"
_CHUNK = re.compile(r"^chunk-(\d{5,})\.parquet$")
_JOURNAL = re.compile(r"^journal-(\d{5,})\.jsonl$")


class StorageError(ValueError):
    """A sweep folder that cannot be used as asked (not empty, no manifest, changed input)."""


# --- files -------------------------------------------------------------------------------


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # not every file system lets a directory be opened
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file, fsync, and rename."""
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def check_new_folder(out: Path) -> None:
    """A new sweep goes into a folder that does not exist or is empty."""
    if out.exists() and not out.is_dir():
        raise StorageError(f"{out}: exists and is not a folder")
    if out.is_dir() and any(out.iterdir()):
        raise StorageError(
            f"{out}: the folder is not empty; choose a new --out, or continue the sweep "
            f"stored there with --resume {out}"
        )


def write_manifest(out: Path, manifest: dict[str, Any]) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    (out / RUNS).mkdir(exist_ok=True)
    path = out / MANIFEST
    text = json.dumps({"format": FORMAT, **manifest}, indent=2, ensure_ascii=False, default=str)
    write_atomic(path, (text + "\n").encode("utf-8"))
    return path


def read_manifest(out: Path) -> dict[str, Any]:
    path = Path(out) / MANIFEST
    if not Path(out).is_dir():
        raise StorageError(f"{out}: no such sweep folder")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StorageError(f"{out}: not a sweep folder (no {MANIFEST})") from None
    except (OSError, ValueError) as error:
        raise StorageError(f"{path}: cannot be read: {error}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise StorageError(f"{path}: not a manifest of an alignsim sweep ({FORMAT})")
    return manifest


def chunk_files(out: Path) -> list[Path]:
    """The complete chunk files of a sweep folder, in chunk order."""
    return _chunks_in(Path(out) / RUNS)


def _chunks_in(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in folder.iterdir() if (m := _CHUNK.match(p.name))]
    return [p for _, p in sorted(found)]


def remove_partial_chunks(out: Path) -> int:
    """Delete temporary chunk files left by a killed sweep, and series chunks whose runs
    chunk was never written; how many there were."""
    runs, series = Path(out) / RUNS, Path(out) / SERIES
    stray = list(runs.glob(".chunk-*.tmp")) if runs.is_dir() else []
    if series.is_dir():
        kept = {p.name for p in chunk_files(out)}
        stray += list(series.glob(".chunk-*.tmp"))
        stray += [p for p in series.iterdir() if _CHUNK.match(p.name) and p.name not in kept]
    for path in stray:
        path.unlink()
    return len(stray)


def series_files(out: Path) -> list[Path]:
    """The series chunks of a sweep folder whose runs chunk exists, in chunk order: one
    written just before a kill, without its runs, is not data (resuming deletes it)."""
    stored = {p.name for p in chunk_files(out)}
    return [p for p in _chunks_in(Path(out) / SERIES) if p.name in stored]


# --- schema and chunks -------------------------------------------------------------------

_ARROW_KINDS = {"float": "float64", "int": "int64", "binary": "int64", "category": "string",
                "str": "string"}  # fmt: skip


def arrow_schema(parameters: dict[str, str], outcomes: dict[str, str]) -> Any:  # -> pyarrow.Schema
    """Schema of a runs chunk: keys, parameters by kind, outcomes by kind, status, error."""
    import pyarrow as pa

    def typ(kind: str) -> Any:
        return pa.type_for_alias(_ARROW_KINDS[kind])

    fields = [
        pa.field("point", pa.int64(), nullable=False),
        pa.field("replication", pa.int64(), nullable=False),
        pa.field("seed", pa.int64(), nullable=False),
        *(pa.field(name, typ(kind)) for name, kind in parameters.items()),
        *(pa.field(name, typ(kind)) for name, kind in outcomes.items()),
        pa.field("status", pa.string(), nullable=False),
        pa.field("error", pa.string()),
    ]
    return pa.schema(fields)


def _json_value(value: Any) -> Any:
    """numpy scalars in a row (``np.int64`` is not an ``int``) as plain Python values."""
    item = getattr(value, "item", None)
    if callable(item):
        return item()
    raise TypeError(f"cannot journal a value of type {type(value).__name__}")


def journal_line(row: dict[str, Any]) -> bytes:
    """One run as a journal line (floats round-trip exactly through ``repr``)."""
    return (json.dumps(row, ensure_ascii=False, default=_json_value) + "\n").encode("utf-8")


#: The journal is fsynced at most this often (seconds), and when it is closed.
JOURNAL_SYNC_SECONDS = 1.0


class ChunkWriter:
    """Journals every row as it arrives and writes every ``size`` of them as the next chunk.

    ``add`` buffers the row and appends it to ``runs/journal-NNNNN.jsonl`` with one ``write``
    (set ``journal=False`` for none); ``flush`` writes the buffered rows as
    ``chunk-NNNNN.parquet`` atomically and then deletes that journal. A Ctrl-C anywhere in
    ``add`` or ``flush`` leaves every row that reached the journal in the buffer too, and a
    ``flush`` after it writes each row once.

    A written line survives the process being killed (it is in the kernel's page cache);
    fsync, which a power cut or a crashed machine needs, runs at most once a second — a
    group commit. An fsync per run cost about a tenth of a sweep of short runs; a run lost
    with the machine is run again by ``--resume`` with the same seed and the same result.
    """

    def __init__(
        self, out: Path, schema: Any, size: int, start: int | None = None, *, journal: bool = True
    ) -> None:
        if size < 1:
            raise ValueError(f"chunk size must be 1 or more, got {size}")
        self.runs = Path(out) / RUNS
        self.runs.mkdir(parents=True, exist_ok=True)
        self.schema = schema
        self.size = size
        if start is None:
            start = next_chunk_index(out)
        self.next_index = start
        self.rows: list[dict[str, Any]] = []
        self.written = 0
        self.journal = journal
        self._journal_fd: int | None = None
        self._synced = 0.0  # time.monotonic() of the journal's last fsync

    @property
    def journal_path(self) -> Path:
        return self.runs / f"journal-{self.next_index:05d}.jsonl"

    def add(self, row: dict[str, Any]) -> Path | None:
        self.rows.append(row)  # first: a journal write cut short leaves the row here
        if self.journal:
            self._append(row)
        if len(self.rows) >= self.size:
            return self.flush()
        return None

    def _append(self, row: dict[str, Any]) -> None:
        if self._journal_fd is None:
            new = not self.journal_path.exists()
            flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND
            self._journal_fd = os.open(self.journal_path, flags, 0o644)
            if new:
                _fsync_dir(self.runs)
        data = journal_line(row)
        view = memoryview(data)
        while view:  # one write() for a line this small, but do not count on it
            view = view[os.write(self._journal_fd, view) :]
        now = time.monotonic()
        if now - self._synced >= JOURNAL_SYNC_SECONDS:
            os.fsync(self._journal_fd)
            self._synced = now

    def _close_journal(self, *, sync: bool = True) -> None:
        """Close the journal, fsyncing what it holds unless it is about to be deleted."""
        if self._journal_fd is not None:
            try:
                if sync:
                    os.fsync(self._journal_fd)
            finally:
                os.close(self._journal_fd)
            self._journal_fd = None

    def close(self) -> None:
        """Close the journal without writing a chunk (its rows stay for a resume)."""
        self._close_journal()

    def flush(self) -> Path | None:
        """Write the buffered rows (if any) as one chunk file, then drop its journal; its path."""
        if not self.rows:
            self._close_journal()
            return None
        count = len(self.rows)
        path = write_chunk(self.runs / f"chunk-{self.next_index:05d}.parquet", self.rows,
                           self.schema)  # fmt: skip
        self._close_journal(sync=False)  # its rows are in the chunk, fsynced
        with contextlib.suppress(FileNotFoundError):
            self.journal_path.unlink()
        _fsync_dir(self.runs)
        # One statement without calls or loops, where CPython runs no signal handler: a Ctrl-C
        # cannot leave the chunk counted as written with its rows still buffered (a second
        # flush would store them twice), nor the other way round.
        self.next_index, self.written, self.rows = self.next_index + 1, self.written + count, []
        return path


def write_chunk(path: Path, rows: Sequence[dict[str, Any]], schema: Any) -> Path:
    """``rows`` as a Parquet file at ``path``, written atomically (temporary name, fsync,
    rename); first, the series the rows carry, as ``series/`` + the same name."""
    import pyarrow as pa

    if any(SERIES_KEY in row for row in rows):
        folder = path.parent.parent / SERIES
        folder.mkdir(exist_ok=True)
        _write_table(folder / path.name, series_table(rows))
    columns = {name: [row.get(name) for row in rows] for name in schema.names}
    return _write_table(path, pa.Table.from_pydict(columns, schema=schema))


SERIES_SCHEMA_FIELDS = (
    ("run", "int64"), ("point", "int64"), ("replication", "int64"), ("step", "int64"),
    ("date", "string"), ("outcome", "string"), ("value", "float64"),
)  # fmt: skip


def series_schema() -> Any:  # -> pyarrow.Schema
    """The columns of the long-form series table."""
    import pyarrow as pa

    return pa.schema([pa.field(n, pa.type_for_alias(t)) for n, t in SERIES_SCHEMA_FIELDS])


def series_table(rows: Sequence[dict[str, Any]]) -> Any:
    """The series of ``rows`` in long form: one row per run, step and series."""
    import numpy as np
    import pyarrow as pa

    parts: dict[str, list[Any]] = {name: [] for name, _ in SERIES_SCHEMA_FIELDS}
    for row in rows:
        series = row.get(SERIES_KEY)
        if not series:
            continue  # a failed run has no series
        dates = np.asarray(series["dates"], dtype=object)
        steps = np.arange(len(dates), dtype=np.int64)
        for name, values in series["values"].items():
            n = len(values)
            parts["run"].append(np.full(n, series["run"], dtype=np.int64))
            parts["point"].append(np.full(n, row["point"], dtype=np.int64))
            parts["replication"].append(np.full(n, row["replication"], dtype=np.int64))
            parts["step"].append(steps[:n])
            parts["date"].append(dates[:n])
            parts["outcome"].append(np.full(n, name, dtype=object))
            parts["value"].append(np.asarray(values, dtype=np.float64))
    schema = series_schema()
    columns = {name: (np.concatenate(chunks) if chunks else []) for name, chunks in parts.items()}
    return pa.Table.from_pydict(columns, schema=schema)


def _write_table(path: Path, table: Any) -> Path:
    import pyarrow.parquet as pq

    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as handle:
        pq.write_table(table, handle, compression="zstd")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)
    return path


def next_chunk_index(out: Path) -> int:
    """The number of the next chunk: one past the last chunk or journal in the folder."""
    runs = Path(out) / RUNS
    if not runs.is_dir():
        return 0
    numbers = [int(m.group(1)) for p in runs.iterdir()
               if (m := _CHUNK.match(p.name) or _JOURNAL.match(p.name))]  # fmt: skip
    return max(numbers) + 1 if numbers else 0


# --- journals ----------------------------------------------------------------------------


def journal_files(out: Path) -> list[Path]:
    """The journal files of a sweep folder, in chunk order."""
    runs = Path(out) / RUNS
    if not runs.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in runs.iterdir() if (m := _JOURNAL.match(p.name))]
    return [p for _, p in sorted(found)]


def iter_journal_rows(path: Path) -> Iterable[dict[str, Any]]:
    """The rows of one journal; a last line cut off by a kill mid-write is skipped."""
    with open(path, "rb") as handle:
        for line in handle:
            if not line.endswith(b"\n"):
                break  # cut off: that run was still being recorded, it will run again
            try:
                row = json.loads(line)
            except ValueError:
                continue
            if isinstance(row, dict) and "point" in row and "replication" in row:
                yield row


def journal_keys(out: Path) -> set[tuple[int, int]]:
    """(point, replication) of every run recorded in the folder's journals."""
    keys: set[tuple[int, int]] = set()
    for path in journal_files(out):
        keys.update((int(r["point"]), int(r["replication"])) for r in iter_journal_rows(path))
    return keys


def fold_journals(out: Path, schema: Any, chunk: int) -> int:
    """Write the journalled runs not yet in a chunk as chunk files (``chunk`` rows each) and
    delete the journals; how many runs were folded in. Keeps each (point, replication) once."""
    files = journal_files(out)
    if not files:
        return 0
    seen = stored_keys(out)
    runs = Path(out) / RUNS
    chunks = chunk_files(out)
    index = int(_CHUNK.match(chunks[-1].name).group(1)) + 1 if chunks else 0
    rows: list[dict[str, Any]] = []
    folded = 0
    for path in files:
        for row in iter_journal_rows(path):
            key = (int(row["point"]), int(row["replication"]))
            if key in seen:
                continue
            seen.add(key)
            rows.append(row)
            if len(rows) >= chunk:
                write_chunk(runs / f"chunk-{index:05d}.parquet", rows, schema)
                index, folded, rows = index + 1, folded + len(rows), []
    if rows:
        write_chunk(runs / f"chunk-{index:05d}.parquet", rows, schema)
        folded += len(rows)
    for path in files:  # only once their rows are safely in chunks
        path.unlink()
    _fsync_dir(runs)
    return folded


# --- reading -----------------------------------------------------------------------------


def stored_keys(out: Path) -> set[tuple[int, int]]:
    """(point, replication) of every run stored in the folder's chunks."""
    import pyarrow.parquet as pq

    keys: set[tuple[int, int]] = set()
    for path in chunk_files(out):
        table = pq.read_table(path, columns=["point", "replication"])
        points = table.column("point").to_pylist()
        reps = table.column("replication").to_pylist()
        keys.update(zip(points, reps, strict=True))
    return keys


def read_runs(out: str | Path, columns: Sequence[str] | None = None) -> Any:
    """Every stored run of a sweep folder as a DataFrame sorted by point and replication."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = Path(out)
    files = chunk_files(out)
    if not files:
        manifest = read_manifest(out)
        schema = arrow_schema(manifest["parameter_kinds"], manifest["outcome_kinds"])
        frame = _to_frame(schema.empty_table())
        return frame if columns is None else frame[list(columns)]
    tables = [pq.read_table(p, columns=list(columns) if columns else None) for p in files]
    return _to_frame(pa.concat_tables(tables))


def _to_frame(table: Any) -> Any:
    """Integer columns stay integers (pandas' nullable Int64 where a failed run left them
    empty), so a column's dtype does not depend on whether some run failed."""
    import pandas as pd
    import pyarrow as pa

    frame: pd.DataFrame = table.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
    for name in ("point", "replication", "seed"):
        if name in frame.columns:
            frame[name] = frame[name].astype("int64")
    sort = [c for c in ("point", "replication") if c in frame.columns]
    if sort:
        frame = frame.sort_values(sort, kind="stable").reset_index(drop=True)
    return frame


def read_series(
    out: str | Path, outcomes: Sequence[str] | None = None, points: Sequence[int] | None = None
) -> Any:
    """The stored series of a sweep folder in long form (run, point, replication, step,
    date, outcome, value) as a DataFrame sorted by run, outcome and step; only ``outcomes``
    and ``points`` when given. Each chunk is filtered as it is read, and ``date`` and
    ``outcome`` come as categories, so one point or one series of a large sweep fits in
    memory when all of them would not."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    schema = series_schema()
    if isinstance(outcomes, str):
        outcomes = [outcomes]
    filters = []
    if outcomes is not None:
        filters.append(pc.field("outcome").isin(pa.array(list(outcomes), pa.string())))
    if points is not None:
        filters.append(pc.field("point").isin(pa.array([int(p) for p in points], pa.int64())))
    condition = None
    for f in filters:
        condition = f if condition is None else condition & f
    tables = [pq.read_table(path, filters=condition, schema=schema) for path in series_files(out)]
    table = pa.concat_tables(tables) if tables else schema.empty_table()
    for name in ("date", "outcome"):  # a few distinct values, repeated on every row
        index = table.schema.get_field_index(name)
        table = table.set_column(index, name, pc.dictionary_encode(table[name]))
    frame = table.to_pandas()
    for name in ("date", "outcome"):  # categories in text order, so sorting is by text
        frame[name] = frame[name].cat.reorder_categories(sorted(frame[name].cat.categories))
    return frame.sort_values(["run", "outcome", "step"], kind="stable").reset_index(drop=True)


def iter_chunks(out: Path, columns: Iterable[str] | None = None) -> Iterable[Any]:
    """Each chunk as a DataFrame (only ``columns``), one at a time."""
    import pyarrow.parquet as pq

    for path in chunk_files(out):
        yield pq.read_table(path, columns=list(columns) if columns else None).to_pandas()
