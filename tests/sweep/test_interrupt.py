"""Ctrl-C during a sweep: one line, exit status 130, the finished runs kept for --resume."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from alignsim.sweep.storage import journal_files, read_runs
from alignsim.sweep.tasks import task_seed

from .conftest import write_sweep

ROOT = Path(__file__).resolve().parents[2]
#: 10 × 2 points × 20 replications of 24 steps: seconds of work on two workers, so a sweep
#: is still running when its first runs are journalled.
PARAMETERS = """\
  params.balance_weight: {low: 0.1, high: 0.9, num: 10}
  params.history_weight: [0.3, 0.9]
"""
RUNS = 400
DEADLINE = 180.0  # seconds; a loaded machine starts two workers slowly
SAVED = re.compile(
    r"^alignsim: interrupted; (\d+) of (\d+) runs are saved in (.+) "
    r"— resume with alignsim sweep --resume (.+)$"
)


#: Two local worker processes, or a Dask LocalCluster of two.
EXECUTORS = {"processes": ["--workers", "2"], "dask": ["--scheduler", "local", "--workers", "2"]}


#: ``python -m alignsim`` as a shell's foreground job runs it, Ctrl-C raising
#: KeyboardInterrupt, even where the tests run with SIGINT ignored (started in the
#: background by a script, or under nohup): a process inherits an ignored SIGINT, and
#: Python then installs no handler for it.
ALIGNSIM_WITH_CTRL_C = (
    "import signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "from alignsim.cli import main; raise SystemExit(main())"
)


def _start(path: Path, out: Path, executor: str = "processes") -> subprocess.Popen:
    """`alignsim sweep` with two workers, alone in a new process group as a shell's job is."""
    command = [sys.executable, "-c", ALIGNSIM_WITH_CTRL_C, "sweep", str(path), "--out",
               str(out), *EXECUTORS[executor], "--chunk", "1000"]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip


def _wait_until(condition, process: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert process.poll() is None, f"the sweep ended before {what}"
        assert time.monotonic() < deadline, f"no {what} within {DEADLINE:.0f} s"
        time.sleep(0.02)


def _journalled(out: Path) -> bool:
    """At least one whole line in a journal of the sweep folder."""
    return any(b"\n" in path.read_bytes() for path in journal_files(out))


def _workers(process: subprocess.Popen) -> list[psutil.Process]:
    """The sweep's worker processes that have started Python (spawned, not the tracker)."""
    found = []
    for child in psutil.Process(process.pid).children():
        try:
            if "spawn_main" in " ".join(child.cmdline()):
                found.append(child)
        except psutil.Error:  # gone, or still between fork and exec
            continue
    return found


def _finish(process: subprocess.Popen) -> tuple[str, str]:
    try:
        return process.communicate(timeout=DEADLINE)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _assert_complete(out: Path, seed: int) -> None:
    runs = read_runs(out)
    keys = list(runs[["point", "replication"]].itertuples(index=False, name=None))
    assert sorted(keys) == [(p, r) for p in range(RUNS // 20) for r in range(20)]
    assert (runs["status"] == "ok").all()
    assert runs["seed"].tolist() == [task_seed(seed, r) for _, r in keys]  # common seeds


@pytest.mark.slow
@pytest.mark.parametrize("executor", sorted(EXECUTORS))
def test_ctrl_c_prints_one_line_and_resume_finishes(tmp_path: Path, executor: str):
    path = write_sweep(tmp_path, steps=24, replications=20, seed=5, parameters=PARAMETERS)
    out = tmp_path / "out"
    process = _start(path, out, executor)
    try:
        _wait_until(lambda: _journalled(out), process, "a journalled run")
        workers = _workers(process)
        os.killpg(process.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
    finally:
        _, stderr = _finish(process)
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr
    assert process.returncode == 130, stderr
    last = stderr.strip().splitlines()[-1]
    found = SAVED.match(last)
    assert found, last
    saved, total = int(found[1]), int(found[2])
    assert found[3] == found[4] == str(out)
    assert total == RUNS and 1 <= saved < RUNS
    assert len(read_runs(out)) == saved
    assert len(workers) == 2
    _, alive = psutil.wait_procs(workers, timeout=120)
    assert not alive, "workers outlived the interrupted sweep"

    resumed = subprocess.run(
        [sys.executable, "-m", "alignsim", "sweep", "--resume", str(out), *EXECUTORS[executor]],
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        capture_output=True, text=True, timeout=DEADLINE,
    )  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr
    assert f"{RUNS - saved} runs in" in resumed.stdout
    assert f"({saved} stored before); {RUNS} in the design" in resumed.stdout
    _assert_complete(out, seed=5)


@pytest.mark.slow
def test_workers_ignore_ctrl_c_while_they_start(tmp_path: Path):
    # A terminal's Ctrl-C reaches the workers too, possibly while they still import. Sent
    # to them alone, it must change nothing: the parent decides when the sweep stops.
    path = write_sweep(tmp_path, steps=24, replications=20, seed=5, parameters=PARAMETERS)
    out = tmp_path / "out"
    process = _start(path, out)
    try:
        _wait_until(lambda: len(_workers(process)) == 2, process, "two started workers")
        for worker in _workers(process):
            worker.send_signal(signal.SIGINT)
    finally:
        stdout, stderr = _finish(process)
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr
    assert process.returncode == 0, stderr
    assert f"{RUNS} runs in" in stdout
    _assert_complete(out, seed=5)
