"""alignsim benchmarks: prints a table of timings measured side by side in one run.

    .venv/bin/python benchmarks/bench.py [--repeat N]

Times are medians over ``--repeat`` runs after one warm-up run, measured with
``time.perf_counter`` around the simulation only (start-up and file writing excluded).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
import tracemalloc
from pathlib import Path

import numpy as np

from alignsim.model import simulate
from alignsim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
FLAGSHIP = ROOT / "scenarios" / "pakistan_china_russia.yaml"


def median_time(fn, repeat: int) -> float:
    fn()  # warm-up: imports, caches
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peak_memory(fn) -> int:
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    flagship = load_scenario(FLAGSHIP)
    rows = []
    for activation in ("random", "simultaneous"):
        scenario = flagship.model_copy(deep=True)
        scenario.params.activation = activation
        for steps in (48, 200):

            def run(scenario=scenario, steps=steps):
                return simulate(scenario, seed=1, steps=steps)

            seconds = median_time(run, args.repeat)
            rows.append(
                (
                    f"flagship, {steps} steps, {activation}",
                    f"{seconds * 1000:8.1f} ms",
                    f"{seconds / steps * 1e6:8.0f} µs",
                    f"{peak_memory(run) / 2**20:6.1f} MiB",
                )
            )
    print(f"alignsim benchmarks — {platform.python_version()}, numpy {np.__version__}, "
          f"{platform.machine()}, median of {args.repeat}")  # fmt: skip
    header = ("case", "time", "per step", "peak memory")
    widths = [max(len(r[c]) for r in [header, *rows]) for c in range(4)]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
