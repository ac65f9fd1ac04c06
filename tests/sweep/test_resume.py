"""Killing a sweep and resuming it gives exactly the rows of an uninterrupted sweep."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from alignsim.sweep.runner import execute, run
from alignsim.sweep.storage import StorageError, chunk_files, read_runs, stored_keys

ROOT = Path(__file__).resolve().parents[2]


def _assert_same_runs(resumed: pd.DataFrame, reference: pd.DataFrame) -> None:
    keys = list(resumed[["point", "replication"]].itertuples(index=False, name=None))
    assert len(keys) == len(set(keys)), "duplicated runs"
    assert keys == list(reference[["point", "replication"]].itertuples(index=False, name=None))
    pd.testing.assert_frame_equal(resumed, reference)


def test_sigkill_then_resume(tmp_path, make_sweep):
    # 4 points × 6 replications of 30 steps: long enough to be killed part-way
    path = make_sweep(tmp_path, steps=30, replications=6)
    out = tmp_path / "killed"
    command = [sys.executable, "-m", "alignsim", "sweep", str(path), "--out", str(out),
               "--workers", "1", "--chunk", "2"]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 120
        while not chunk_files(out):
            assert process.poll() is None, "the sweep ended before writing a chunk"
            assert time.monotonic() < deadline, "no chunk written in time"
            time.sleep(0.01)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL
    stored = stored_keys(out)
    assert 0 < len(stored) < 24, "the kill should land part-way through the sweep"
    assert not (out / "summary.csv").exists()

    done = execute(out=out, resume=True, progress=False)
    assert done.before == len(stored) and done.ran == 24 - len(stored)
    resumed = read_runs(out)
    reference = run(path, out=tmp_path / "whole", workers=1, chunk=2, progress=False)
    _assert_same_runs(resumed, reference)
    summary = (out / "summary.csv").read_text()
    assert summary == (tmp_path / "whole" / "summary.csv").read_text()


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
