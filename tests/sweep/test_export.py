"""`alignsim export`: a sweep folder's runs as one CSV or one Parquet file, and the examples
of docs/sweeps.md that read a sweep folder with pandas, polars and DuckDB."""

from __future__ import annotations

import csv
import os
import re
import shlex
import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from alignsim.cli import main
from alignsim.sweep.export import export_sweep, plan_export
from alignsim.sweep.runner import execute
from alignsim.sweep.storage import (
    arrow_schema,
    chunk_files,
    journal_line,
    read_manifest,
    read_runs,
)
from tests.sweep.conftest import FAILING_PARAMETERS, write_sweep

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "sweeps.md"
SECTION = "## Reading a sweep folder from other tools"


@pytest.fixture(scope="module")
def stored(tmp_path_factory) -> Path:
    """A real sweep of 12 runs, half of them failed, stored out of design order as several
    workers leave it: killed with runs 5–11 journalled in the order they finished, then
    resumed, which folds them into chunks 1 (runs 7 5 11 6 9) and 2 (runs 8 10)."""
    base = tmp_path_factory.mktemp("export")
    path = write_sweep(base, parameters=FAILING_PARAMETERS)
    out = base / "sweep"
    execute(path, out, workers=1, chunk=5, progress=False)
    rows = [row for p in chunk_files(out)[1:] for row in pq.read_table(p).to_pylist()]
    for chunk in chunk_files(out)[1:]:
        chunk.unlink()
    finished = b"".join(journal_line(rows[i]) for i in (2, 0, 6, 1, 4, 3, 5))
    (out / "runs" / "journal-00001.jsonl").write_bytes(finished)
    done = execute(out=out, resume=True, workers=1, progress=False)
    assert (done.folded, done.ran) == (7, 0)
    return out


@pytest.fixture
def sweep_dir(stored: Path, tmp_path: Path) -> Path:
    """A copy of the stored sweep that a test may change."""
    return Path(shutil.copytree(stored, tmp_path / "sweep"))


def _points_in_file_order(folder: Path) -> list[tuple[int, int]]:
    tables = [pq.read_table(p, columns=["point", "replication"]) for p in chunk_files(folder)]
    table = pa.concat_tables(tables)
    return list(zip(table["point"].to_pylist(), table["replication"].to_pylist(), strict=True))


def _export(folder: Path, fmt: str, *more: str | Path) -> int:
    """``alignsim export FOLDER --format FMT …``: its exit status."""
    return main(["export", str(folder), "--format", fmt, *map(str, more)])


def _columns(folder: Path) -> list[str]:
    manifest = read_manifest(folder)
    return arrow_schema(manifest["parameter_kinds"], manifest["outcome_kinds"]).names


def test_the_fixture_is_out_of_order_with_failed_runs(stored):
    chunks = [pq.read_table(p, columns=["point"])["point"].to_pylist() for p in chunk_files(stored)]
    assert chunks[1] != sorted(chunks[1])  # out of order within a chunk
    assert max(chunks[1]) > min(chunks[2])  # and across chunks
    assert (read_runs(stored)["status"] == "failed").sum() == 6


def test_csv_holds_every_run_as_read_runs_does(sweep_dir, capsys):
    assert _export(sweep_dir, "csv") == 0
    path = sweep_dir / "export" / "runs.csv"
    assert capsys.readouterr().out == f"runs: 12 rows → {path}\n"
    data = path.read_bytes()
    assert b"\r" not in data
    text = data.decode("utf-8")
    runs = read_runs(sweep_dir)
    assert text == runs.to_csv(index=False, lineterminator="\n")
    rows = list(csv.reader(text.splitlines()))
    assert rows[0] == _columns(sweep_dir)  # the manifest's order, no index column
    assert [(int(r[0]), int(r[1])) for r in rows[1:]] == sorted(_points_in_file_order(sweep_dir))
    step = rows[0].index("first_triangle_step.China-Russia-Pakistan")
    values = [r[step] for r in rows[1:]]
    assert all(re.fullmatch(r"-?\d+", v) for v in values if v)  # integers, not 5.0
    assert values.count("") == 6  # the failed runs


def test_parquet_is_one_file_equal_to_read_runs(sweep_dir):
    assert _export(sweep_dir, "parquet") == 0
    assert [p.name for p in (sweep_dir / "export").iterdir()] == ["runs.parquet"]
    table = pq.read_table(sweep_dir / "export" / "runs.parquet")
    assert table.column_names == _columns(sweep_dir)
    expected = pa.Table.from_pandas(read_runs(sweep_dir), schema=table.schema,
                                    preserve_index=False)  # fmt: skip
    assert table.equals(expected)


def test_out_may_be_a_file_or_a_folder(sweep_dir, tmp_path):
    assert _export(sweep_dir, "csv", "--out", tmp_path / "a.csv") == 0
    assert _export(sweep_dir, "parquet", "--out", tmp_path / "new" / "dir") == 0
    assert (tmp_path / "a.csv").read_text() == read_runs(sweep_dir).to_csv(
        index=False, lineterminator="\n"
    )
    assert pq.read_table(tmp_path / "new" / "dir" / "runs.parquet").num_rows == 12
    assert not list(tmp_path.rglob(".*.tmp"))


def test_an_existing_file_is_never_overwritten(sweep_dir, capsys):
    target = sweep_dir / "export" / "runs.csv"
    target.parent.mkdir()
    target.write_text("my notes\n")
    assert _export(sweep_dir, "csv") == 2
    err = capsys.readouterr().err
    assert err == f"alignsim export: {target}: exists; remove it or choose another --out\n"
    assert target.read_text() == "my notes\n"
    assert _export(sweep_dir, "parquet", "--out", target.parent) == 0
    assert target.read_text() == "my notes\n"


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("missing", r"{d}/nothing: no such sweep folder"),
        ("no_manifest", r"{d}/empty: not a sweep folder \(no manifest\.json\)"),
        ("format", r"{d}/sweep: cannot export as 'xlsx'; choose csv or parquet"),
        ("suffix", r"{d}/runs\.parquet: a csv export is written as a \.csv file or into a folder"),
        ("into_runs", r"{d}/sweep/runs/runs\.csv: {d}/sweep/runs holds the sweep's own chunks"),
        ("bad_chunk", r"{d}/sweep/runs/chunk-00000\.parquet: not a readable Parquet file"),
        ("bad_manifest", r"{d}/sweep/manifest\.json: no valid columns for runs"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(case, message, sweep_dir, tmp_path, capsys):
    d = str(tmp_path)
    folder, fmt, extra = sweep_dir, "csv", []
    if case == "missing":
        folder = tmp_path / "nothing"
    elif case == "no_manifest":
        folder = tmp_path / "empty"
        folder.mkdir()
    elif case == "format":
        fmt = "xlsx"
    elif case == "suffix":
        extra = ["--out", str(tmp_path / "runs.parquet")]
    elif case == "into_runs":
        extra = ["--out", str(sweep_dir / "runs")]
    elif case == "bad_chunk":
        (sweep_dir / "runs" / "chunk-00000.parquet").write_bytes(b"half a chunk")
    elif case == "bad_manifest":
        manifest = sweep_dir / "manifest.json"
        manifest.write_text(manifest.read_text().replace('"outcome_kinds"', '"outcome_kind"'))
    assert _export(folder, fmt, *extra) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "Traceback" not in err
    assert re.fullmatch(f"alignsim export: {message.format(d=re.escape(d))}.*\n", err), err
    assert not (sweep_dir / "export").exists()
    assert not list(tmp_path.rglob(".*.tmp"))


def test_a_stopped_sweep_exports_what_it_holds_and_says_so(sweep_dir, capsys):
    last = chunk_files(sweep_dir)[-1]
    lost = pq.read_table(last).to_pylist()
    last.unlink()  # killed before the last chunk was written: its runs are in the journal
    journal = sweep_dir / "runs" / "journal-00003.jsonl"
    journal.write_bytes(b"".join(journal_line(row) for row in lost[:1]))
    kept = 12 - len(lost)
    assert _export(sweep_dir, "csv") == 0
    err = capsys.readouterr().err
    assert err == (
        f"alignsim export: {sweep_dir}: a stopped sweep, holding {kept} of the 12 runs of its "
        f"design (1 more are in its journal); exporting those {kept} (alignsim sweep --resume "
        f"{sweep_dir} finishes the sweep)\n"
    )
    text = (sweep_dir / "export" / "runs.csv").read_text()
    assert text == read_runs(sweep_dir).to_csv(index=False, lineterminator="\n")
    assert text.count("\n") == 1 + kept
    assert journal.exists()  # the export reads the folder and changes nothing in it


def test_a_sweep_stopped_before_its_first_chunk_gives_the_columns_alone(sweep_dir):
    for path in chunk_files(sweep_dir):
        path.unlink()
    assert plan_export(sweep_dir, "csv").note().startswith(f"{sweep_dir}: a stopped sweep, "
                                                           "holding 0 of the 12 runs")  # fmt: skip
    written = export_sweep(sweep_dir, "csv") + export_sweep(sweep_dir, "parquet")
    assert [w.rows for w in written] == [0, 0]
    assert (sweep_dir / "export" / "runs.csv").read_text() == ",".join(_columns(sweep_dir)) + "\n"
    assert pq.read_table(sweep_dir / "export" / "runs.parquet").column_names == _columns(sweep_dir)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_rows_stream_in_order_whatever_order_the_runs_finished_in(fmt, sweep_dir, monkeypatch):
    """Written 4 rows at a time from chunks that overlap: still sorted, each run once."""
    import alignsim.sweep.export as export

    monkeypatch.setattr(export, "BLOCK_ROWS", 4)
    (written,) = export_sweep(sweep_dir, fmt)
    if fmt == "parquet":
        assert pq.ParquetFile(written.path).metadata.num_row_groups > 1  # not all at once
        table = pq.read_table(written.path).to_pandas()
    else:
        table = pd.read_csv(written.path)
    keys = list(zip(table["point"], table["replication"], strict=True))
    assert keys == sorted(_points_in_file_order(sweep_dir)) and len(set(keys)) == 12


# --- docs/sweeps.md, "Reading a sweep folder from other tools" --------------------------


def _section() -> str:
    text = DOC.read_text(encoding="utf-8")
    assert SECTION in text
    return text.split(SECTION, 1)[1].split("\n## ", 1)[0]


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", _section(), flags=re.S)


@pytest.fixture(scope="module")
def phase(tmp_path_factory) -> Path:
    """A small sweep with the phase diagram's parameters, where the docs' examples put it."""
    root = tmp_path_factory.mktemp("docs")
    parameters = ("  params.balance_weight: [0.1, 0.5]\n"
                  "  states.Russia.interests.opposition_to_us: [0.0, 0.6]\n")  # fmt: skip
    path = write_sweep(root, parameters=parameters, replications=3, steps=6)
    execute(path, root / "results" / "sweeps" / "phase", workers=1, chunk=5, progress=False)
    return root


def _p_alliance(phase: Path) -> list[float]:
    """P(triangle alliance) per design point, as summary.csv has it."""
    summary = pd.read_csv(phase / "results" / "sweeps" / "phase" / "summary.csv")
    return summary["P(triangle_alliance.China-Russia-Pakistan)"].tolist()


@pytest.mark.parametrize("index", range(3))
def test_the_docs_python_examples_run_and_agree_with_the_summary(index, phase, monkeypatch):
    code = _blocks("python")
    assert len(code) == 3, "pandas, polars and DuckDB"
    monkeypatch.chdir(phase)
    namespace: dict = {"__name__": "docs_example"}
    exec(compile(code[index], f"{DOC.name} example {index + 1}", "exec"), namespace)
    result = namespace["p_alliance"]
    values = {0: lambda r: r.tolist(), 1: lambda r: r["p_alliance"].to_list(),
              2: lambda r: r["p_alliance"].tolist()}[index](result)  # fmt: skip
    assert values == pytest.approx(_p_alliance(phase))


def test_the_docs_export_commands_run(phase, monkeypatch, capsys):
    commands = [line.split("#")[0] for block in _blocks("bash") for line in block.splitlines()]
    commands = [shlex.split(c) for c in commands if c.startswith("alignsim export")]
    assert len(commands) >= 2
    monkeypatch.chdir(phase)
    for command in commands:
        assert main(command[1:]) == 0, capsys.readouterr().err
    runs = read_runs(phase / "results" / "sweeps" / "phase")
    csv_text = (phase / "results" / "sweeps" / "phase" / "export" / "runs.csv").read_text()
    assert csv_text == runs.to_csv(index=False, lineterminator="\n")


def test_the_series_are_exported_beside_the_runs(tmp_path, flagship, capsys):
    from alignsim.sweep.storage import read_series

    relative = os.path.relpath(flagship, tmp_path)
    (tmp_path / "s.yaml").write_text(
        f"scenario: {relative}\nsteps: 5\nreplications: 3\n"
        "parameters: {params.balance_weight: [0.2, 0.6]}\n"
        "outcomes: [final_strength]\nseries: [strength, balance_ratio]\n",
        encoding="utf-8",
    )
    execute(tmp_path / "s.yaml", tmp_path / "out", workers=1, chunk=4, progress=False)
    assert _export(tmp_path / "out", "csv") == 0
    series = read_series(tmp_path / "out").astype({"date": "str", "outcome": "str"})
    exported = pd.read_csv(tmp_path / "out" / "export" / "series.csv")
    assert len(exported) == len(series) == 6 * 6 * 6  # runs × steps 0..5 × series
    pd.testing.assert_frame_equal(exported, series, check_dtype=False)
    assert "series: 216 rows" in capsys.readouterr().out
    assert _export(tmp_path / "out", "parquet") == 0
    table = pq.read_table(tmp_path / "out" / "export" / "series.parquet").to_pandas()
    pd.testing.assert_frame_equal(table, series, check_dtype=False)
