"""Killing a sweep and resuming it gives exactly the rows of an uninterrupted sweep."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from alignsim.sweep.runner import execute, run
from alignsim.sweep.storage import (
    StorageError,
    chunk_files,
    iter_journal_rows,
    journal_files,
    journal_keys,
    journal_line,
    read_runs,
    stored_keys,
)

ROOT = Path(__file__).resolve().parents[2]


def _assert_same_runs(resumed: pd.DataFrame, reference: pd.DataFrame) -> None:
    keys = list(resumed[["point", "replication"]].itertuples(index=False, name=None))
    assert len(keys) == len(set(keys)), "duplicated runs"
    assert keys == list(reference[["point", "replication"]].itertuples(index=False, name=None))
    pd.testing.assert_frame_equal(resumed, reference)


def _reported(stderr: bytes, total: int) -> int:
    """The last count of finished runs the progress bar showed ("sweep: … 7/24 […]")."""
    counts = re.findall(rb"(\d+)/" + str(total).encode() + rb" \[", stderr)
    return int(counts[-1]) if counts else 0


def processes_marked(mark: str) -> list[int]:
    """Live processes started with ALIGNSIM_TEST_MARK=mark in their environment."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if f"ALIGNSIM_TEST_MARK={mark}".encode() in environ.split(b"\0") and state != "Z":
            found.append(int(entry.name))
    return found


#: ``alignsim sweep`` in which one run never ends, so that the sweep is surely still going
#: when the test kills it; it touches the file ``ALIGNSIM_TEST_BLOCKED`` when it gets there.
#: The function is in a module of its own so that worker processes can import it.
BLOCKING_SWEEP = """
import os
import sys
import threading
from pathlib import Path

from alignsim.sweep import runner
from alignsim.sweep.tasks import run_task

BLOCKED = (1, 3)  # (point, replication): run 9 of 24


def run_or_block(task, context):
    if (task.point, task.replication) == BLOCKED:
        Path(os.environ["ALIGNSIM_TEST_BLOCKED"]).touch()
        threading.Event().wait()
    return run_task(task, context)


def main():
    runner.run_task = run_or_block
    from alignsim.cli import main

    sys.exit(main(sys.argv[1:]))
"""
#: Runs finished when the sweep can go no further: one worker stops at run 9, in order;
#: with two, the other worker runs all the rest.
FINISHED_WHEN_BLOCKED = {1: 9, 2: 23}
#: Seconds after which a wait gives up: only a sweep that hangs takes this long.
HANG_GUARD_S = 600


def _kept_so_far(out: Path) -> set[tuple[int, int]]:
    """Stored or journalled runs of a sweep still running (a journal may vanish meanwhile)."""
    try:
        return stored_keys(out) | journal_keys(out)
    except FileNotFoundError:  # a chunk was just written and its journal deleted
        return set()


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_sigkill_then_resume(tmp_path, make_sweep, workers):
    # 4 points × 6 replications of 30 steps in chunks of 4; run 9 never ends, so the sweep
    # is killed part-way whatever the machine's speed: once every run it can finish is
    # stored or journalled, a chunk being filled.
    path = make_sweep(tmp_path, steps=30, replications=6)
    out = tmp_path / "killed"
    (tmp_path / "blocking_sweep.py").write_text(BLOCKING_SWEEP, encoding="utf-8")
    blocked = tmp_path / "blocked"
    command = [sys.executable, "-c", "import blocking_sweep; blocking_sweep.main()", "sweep",
               str(path), "--out", str(out), "--workers", str(workers), "--chunk", "4",
               "--batch", "1"]  # fmt: skip
    mark = f"sigkill-{workers}-{os.getpid()}-{time.monotonic_ns()}"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT / "src")]),
           "TQDM_MININTERVAL": "0", "ALIGNSIM_TEST_MARK": mark,
           "ALIGNSIM_TEST_BLOCKED": str(blocked)}  # fmt: skip
    stderr = tmp_path / "stderr.txt"
    with open(stderr, "wb") as err:
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=err)
        try:
            deadline = time.monotonic() + HANG_GUARD_S
            while not (
                blocked.exists() and len(_kept_so_far(out)) == FINISHED_WHEN_BLOCKED[workers]
            ):
                assert process.poll() is None, stderr.read_text()
                assert time.monotonic() < deadline, "the sweep hangs before run 9"
                time.sleep(0.1)
            os.kill(process.pid, signal.SIGKILL)
        finally:
            process.kill()
            process.wait()
    assert process.returncode == -signal.SIGKILL
    # the killed sweep's worker processes notice and leave instead of waiting forever
    deadline = time.monotonic() + HANG_GUARD_S
    while processes_marked(mark) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_marked(mark) == []
    stored, journalled = stored_keys(out), journal_keys(out)
    kept = stored | journalled
    assert len(kept) == FINISHED_WHEN_BLOCKED[workers] and (1, 3) not in kept
    assert 0 < len(stored) < 24 and journalled - stored, "killed with a chunk being filled"
    # the journal holds only the runs of the chunk being filled (all 4 of them if the kill
    # landed while that chunk was being written)
    assert len(journalled) <= 4
    assert not (out / "summary.csv").exists()
    # every run the progress bar reported as finished is stored or journalled: a kill loses
    # only the runs in flight
    assert len(kept) >= _reported(stderr.read_bytes(), 24)

    done = execute(out=out, resume=True, progress=False)
    assert done.folded == len(journalled - stored)
    assert done.before == len(kept) and done.ran == 24 - len(kept)
    assert not journal_files(out)
    resumed = read_runs(out)
    reference = run(path, out=tmp_path / "whole", workers=1, chunk=4, progress=False)
    _assert_same_runs(resumed, reference)
    summary = (out / "summary.csv").read_text()
    assert summary == (tmp_path / "whole" / "summary.csv").read_text()


@pytest.mark.slow
def test_journal_is_folded_in_without_duplicates(tiny_sweep, tmp_path):
    out = tmp_path / "out"
    reference = run(tiny_sweep, out=out, workers=1, chunk=5, progress=False)
    assert not journal_files(out), "a finished sweep leaves no journal"
    _, second, last = chunk_files(out)
    rows = {name: read_runs_rows(p) for name, p in (("second", second), ("last", last))}
    last.unlink()
    runs = out / "runs"
    # killed between writing chunk 1 and deleting its journal: the journal repeats the chunk
    (runs / "journal-00001.jsonl").write_bytes(b"".join(map(journal_line, rows["second"])))
    # chunk 2 never written; its journal has its two runs, one of them twice, and a line
    # cut off by the kill
    lines = [journal_line(r) for r in rows["last"]]
    (runs / "journal-00002.jsonl").write_bytes(lines[0] + lines[1] + lines[0] + lines[1][:25])
    assert journal_keys(out) == {(r["point"], r["replication"]) for r in
                                 rows["second"] + rows["last"]}  # fmt: skip
    done = execute(out=out, resume=True, progress=False)
    assert (done.folded, done.before, done.ran) == (2, 12, 0)
    assert not journal_files(out)
    _assert_same_runs(read_runs(out), reference)


@pytest.mark.slow
def test_a_cut_off_journal_line_is_run_again(tiny_sweep, tmp_path):
    out = tmp_path / "out"
    reference = run(tiny_sweep, out=out, workers=1, chunk=5, progress=False)
    last = chunk_files(out)[-1]
    rows = read_runs_rows(last)
    last.unlink()
    line = journal_line(rows[1])
    (out / "runs" / "journal-00002.jsonl").write_bytes(journal_line(rows[0]) + line[:-1])
    assert len(list(iter_journal_rows(out / "runs" / "journal-00002.jsonl"))) == 1
    done = execute(out=out, resume=True, progress=False)
    assert (done.folded, done.before, done.ran) == (1, 11, 1)
    _assert_same_runs(read_runs(out), reference)


def test_journal_lines_are_json_with_exact_floats(tiny_sweep, tmp_path):
    out = tmp_path / "out"
    run(tiny_sweep, out=out, workers=1, chunk=5, progress=False)
    for row in read_runs_rows(chunk_files(out)[0]):
        assert json.loads(journal_line(row)) == row


def read_runs_rows(path: Path) -> list[dict]:
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pylist()


@pytest.mark.slow
def test_resume_runs_only_the_missing(tiny_sweep, tmp_path):
    out = tmp_path / "out"
    reference = run(tiny_sweep, out=out, workers=1, chunk=5, progress=False)
    files = chunk_files(out)
    files[1].unlink()  # lose five runs
    (out / "runs" / ".chunk-00003.parquet.tmp").write_bytes(b"half a chunk")
    done = execute(out=out, resume=True, progress=False)
    assert (done.before, done.ran, done.total) == (7, 5, 12)
    assert not list((out / "runs").glob(".*.tmp"))
    _assert_same_runs(read_runs(out), reference)
    # resuming again: nothing to do, nothing doubled
    done = execute(out=out, resume=True, progress=False)
    assert done.ran == 0
    _assert_same_runs(read_runs(out), reference)


def test_resume_refuses_a_changed_scenario(tmp_path, make_sweep, flagship):
    scenario = tmp_path / "base.yaml"
    shutil.copy(flagship, scenario)
    path = make_sweep(tmp_path, scenario=scenario, replications=1)
    out = tmp_path / "out"
    run(path, out=out, workers=1, progress=False)
    text = scenario.read_text().replace("tie_cost: 0.05", "tie_cost: 0.07", 1)
    assert text != scenario.read_text()
    scenario.write_text(text)
    with pytest.raises(StorageError, match="changed since the sweep started"):
        execute(out=out, resume=True, progress=False)


@pytest.mark.slow
def test_resume_uses_the_stored_sweep_file(tiny_sweep, tmp_path):
    out = tmp_path / "out"
    reference = run(tiny_sweep, out=out, workers=1, chunk=4, progress=False)
    chunk_files(out)[0].unlink()
    tiny_sweep.write_text(tiny_sweep.read_text().replace("replications: 3", "replications: 9"))
    done = execute(out=out, resume=True, progress=False)
    assert done.total == 12 and done.ran == 4
    _assert_same_runs(read_runs(out), reference)


def test_resume_needs_a_sweep_folder(tmp_path):
    with pytest.raises(StorageError, match="no such sweep folder"):
        execute(out=tmp_path / "nothing", resume=True)
    (tmp_path / "empty").mkdir()
    with pytest.raises(StorageError, match=r"no manifest\.json"):
        execute(out=tmp_path / "empty", resume=True)


def test_journal_lines_are_written_at_once_and_fsynced_once_a_second(tmp_path, monkeypatch):
    """Each run is in the journal file as soon as it is added (a killed process loses
    nothing); fsync, for a crashed machine, is a group commit at most once a second."""
    from alignsim.sweep import storage

    synced: list[int] = []
    clock = [100.0]
    real_fsync = os.fsync
    monkeypatch.setattr(storage.os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd)))
    monkeypatch.setattr(storage.time, "monotonic", lambda: clock[0])
    schema = storage.arrow_schema({}, {"x": "float"})
    writer = storage.ChunkWriter(tmp_path, schema, size=100)
    journal = writer.journal_path

    def add(k: int) -> None:
        writer.add({"point": k, "replication": 0, "seed": k, "x": k / 3,
                    "status": "ok", "error": None})  # fmt: skip

    add(0)
    first = len(synced)
    assert first >= 1, "the first line is synced"
    for k in range(1, 30):
        clock[0] += 0.01
        add(k)
        assert len(journal.read_bytes().splitlines()) == k + 1
    assert len(synced) == first, "no fsync within the second"
    clock[0] += storage.JOURNAL_SYNC_SECONDS
    add(30)
    assert len(synced) == first + 1
    writer.close()
    assert len(synced) == first + 2, "closing syncs what is left"
    assert [row["point"] for row in iter_journal_rows(journal)] == list(range(31))
