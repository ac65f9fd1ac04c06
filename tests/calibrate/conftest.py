"""Calibration files for the tests: the small world of data/small.yaml and its history."""

from __future__ import annotations

import os
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
SMALL = DATA / "small.yaml"

PARAMETERS = """\
  params.balance_weight: {low: 0.0, high: 1.5}
  params.learning_rate: {low: 0.05, high: 0.6}
"""


def write_calibration(
    folder: Path,
    *,
    parameters: str = PARAMETERS,
    replications: int = 4,
    population: int = 8,
    generations: int = 2,
    seed: int = 5,
    extra: str = "train: {to: 2011-Q4}\ntest: {from: 2012}\n",
    name: str = "calibration.yaml",
) -> Path:
    """A calibration file in ``folder`` for the small world (named by a relative path)."""
    relative = os.path.relpath(SMALL, folder)
    path = folder / name
    path.write_text(
        f"scenario: {relative}\n"
        f"parameters:\n{parameters}"
        f"replications: {replications}\n"
        f"method: {{population: {population}, generations: {generations}}}\n"
        f"seed: {seed}\n{extra}",
        encoding="utf-8",
    )
    return path


def kill_when_blocked(script_text: str, args: list[str], folder: Path) -> None:
    """Run ``script_text`` (a copy of the command line that stops at a point of its choosing
    and writes the file ``$ALIGNSIM_TEST_BLOCKED``) with ``args`` in a process, wait until
    that file exists, and SIGKILL it there: a kill at a known point, not at a time."""
    import signal
    import subprocess
    import sys
    import time

    blocked, script = folder / "blocked", folder / "blocking.py"
    script.write_text(script_text)
    env = dict(os.environ, ALIGNSIM_TEST_BLOCKED=str(blocked))
    process = subprocess.Popen(
        [sys.executable, str(script), *args], env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        while not blocked.exists():
            assert process.poll() is None, process.stderr.read().decode()  # type: ignore[union-attr]
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=60) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
        process.stderr.close()  # type: ignore[union-attr]
