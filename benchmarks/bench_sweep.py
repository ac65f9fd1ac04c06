"""Sweep benchmarks on the flagship scenario, measured side by side in one run.

    .venv/bin/python benchmarks/bench_sweep.py                 # 500 runs of 60 steps; long
    .venv/bin/python benchmarks/bench_sweep.py --runs 40       # a quick check

Measures, on the same tasks (10 values of ``params.balance_weight`` × replications, seeds
as a sweep gives them):

- ``loop``: ``simulate`` called in a plain loop (scenario overrides applied once per point);
- ``sweep, 1 worker``: :func:`alignsim.sweep.run` with ``workers=1`` (in-process), so the
  difference to ``loop`` is the sweep machinery: tasks, outcomes, journal (an fsync per
  run), Parquet chunks and the summary — target ≤ 10% overhead;
- ``sweep, 2 workers``: two local processes — target ≥ 1.7× the throughput of 1 worker
  (needs two free cores);
- ``sweep, 2 workers, 10 runs``: what starting and stopping two workers costs (each imports
  Mesa, pandas and Numba and loads the compiled step), and the speed-up of the 2-worker
  sweep once that fixed cost is taken out;
- peak memory of the parent process for ``--runs`` and for 10 × ``--runs`` runs (each in a
  fresh subprocess, 2 workers, ``--memory-steps`` steps so the large one finishes in
  reasonable time): peak RSS (``VmHWM`` from ``/proc/self/status``) and the tracemalloc
  peak — target: no growth with the number of runs.

Each case runs ``--repeat`` times, in a rotated order so that a machine's drifting speed
does not favour one case; the table shows medians, and each ratio's median and range over
the repeats. The compiled step is loaded once before any timing. Figures are not drawn
(``plots=False``) in any of the timed sweeps.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLAGSHIP = ROOT / "scenarios" / "pakistan_china_russia.yaml"
POINTS = 10


def write_sweep(folder: Path, runs: int, steps: int, name: str = "bench.yaml") -> Path:
    """A grid of POINTS balance weights × (runs / POINTS) replications of the flagship."""
    replications = max(1, runs // POINTS)
    relative = os.path.relpath(FLAGSHIP, folder)
    path = folder / name
    path.write_text(
        f"scenario: {relative}\nsteps: {steps}\nreplications: {replications}\nseed: 1\n"
        "design: {method: grid}\n"
        f"parameters:\n  params.balance_weight: {{low: 0.1, high: 0.9, num: {POINTS}}}\n",
        encoding="utf-8",
    )
    return path


def time_loop(sweep_path: Path) -> tuple[float, int]:
    """``simulate`` in a loop over the sweep's tasks: seconds and runs."""
    from alignsim.model import simulate
    from alignsim.scenario import Scenario, apply_overrides
    from alignsim.sweep import design_points, load_sweep
    from alignsim.sweep.tasks import iter_tasks, make_context

    sweep = load_sweep(sweep_path)
    design = design_points(sweep)
    context = make_context(sweep, design)
    tasks = list(iter_tasks(sweep, design, context))
    scenarios = {}
    clock = time.perf_counter()
    for task in tasks:
        scenario = scenarios.get(task.overrides)
        if scenario is None:
            document = apply_overrides(context.base_document, list(task.overrides))
            scenario = scenarios[task.overrides] = Scenario.model_validate(document)
        simulate(scenario, seed=task.seed, steps=context.steps)
    return time.perf_counter() - clock, len(tasks)


def warm_up() -> None:
    """Load the compiled step once, so that no timed case pays for it."""
    from alignsim.model import simulate
    from alignsim.scenario import load_scenario

    simulate(load_scenario(FLAGSHIP), seed=1, steps=2)


def time_sweep(sweep_path: Path, out: Path, workers: int) -> tuple[float, int]:
    from alignsim.sweep import execute

    clock = time.perf_counter()
    done = execute(sweep_path, out, workers=workers, progress=False, plots=False)
    seconds = time.perf_counter() - clock  # includes pool start-up and the summary
    assert done.failed == 0, f"{done.failed} runs failed"
    return seconds, done.ran


def peak_rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return -1


def memory_case(runs: int, steps: int) -> dict[str, float]:
    """Run in a fresh process: a sweep of ``runs`` runs; the parent's peak memory."""
    from alignsim.sweep import execute

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = write_sweep(folder, runs, steps)
        tracemalloc.start()
        clock = time.perf_counter()
        done = execute(path, folder / "out", workers=2, progress=False, plots=False)
        seconds = time.perf_counter() - clock
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return {"runs": done.ran, "seconds": seconds, "rss_mib": peak_rss_kib() / 1024,
            "tracemalloc_mib": peak / 2**20}  # fmt: skip


def measure_memory(runs: int, steps: int) -> dict[str, float]:
    command = [sys.executable, __file__, "--memory-case", str(runs), "--memory-steps", str(steps)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=500, help="runs per timed sweep (500)")
    parser.add_argument("--steps", type=int, default=60, help="steps per timed run (60)")
    parser.add_argument(
        "--memory-steps", type=int, default=6, help="steps per run in the memory cases (6)"
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="times each case runs; medians are shown (3)"
    )
    parser.add_argument("--memory-case", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.memory_case is not None:
        print(json.dumps(memory_case(args.memory_case, args.memory_steps)))
        return 0

    print(f"alignsim sweep benchmark: flagship, {args.runs} runs × {args.steps} steps, "
          f"{args.repeat} repeats; Python {platform.python_version()}, {os.cpu_count()} cores",
          flush=True)  # fmt: skip
    warm_up()
    times: dict[str, list[float]] = {"loop": [], "one": [], "two": [], "start": []}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = write_sweep(folder, args.runs, args.steps)
        tiny = write_sweep(folder, POINTS, args.steps, name="tiny.yaml")
        cases = {
            "loop": lambda k: time_loop(path),
            "one": lambda k: time_sweep(path, folder / f"w1-{k}", 1),
            "two": lambda k: time_sweep(path, folder / f"w2-{k}", 2),
            "start": lambda k: time_sweep(tiny, folder / f"start-{k}", 2),
        }
        counts = set()
        for k in range(args.repeat):
            names = list(cases)
            for name in names[k % len(names) :] + names[: k % len(names)]:  # spread drift
                seconds, ran = cases[name](k)
                times[name].append(seconds)
                if name != "start":
                    counts.add(ran)
    (n,) = counts
    small = measure_memory(n, args.memory_steps)
    large = measure_memory(10 * n, args.memory_steps)

    loop, one, two, start = (statistics.median(times[name]) for name in times)
    overheads = [b / a - 1 for a, b in zip(times["loop"], times["one"], strict=True)]
    speedups = [a / b for a, b in zip(times["one"], times["two"], strict=True)]
    started = [a / (b - c) for a, b, c in zip(times["one"], times["two"], times["start"],
                                              strict=True)]  # fmt: skip

    def spread(values: list[float], form: str, unit: str = "") -> str:
        middle = f"{statistics.median(values):{form}}{unit}"
        if len(values) == 1:
            return middle
        return f"{middle} ({min(values):{form}}–{max(values):{form}}{unit})"

    rows = [
        ("simulate in a loop", f"{loop:.1f} s", f"{n / loop:.2f} runs/s", ""),
        ("sweep, 1 worker", f"{one:.1f} s", f"{n / one:.2f} runs/s",
         f"overhead {spread(overheads, '+.1%')} (target ≤ 10%)"),
        ("sweep, 2 workers", f"{two:.1f} s", f"{n / two:.2f} runs/s",
         f"speed-up {spread(speedups, '.2f', '×')} (target ≥ 1.7×)"),
        (f"sweep, 2 workers, {POINTS} runs", f"{start:.1f} s", "start-up and shut-down",
         f"once started: {spread(started, '.2f', '×')}"),
    ]  # fmt: skip
    for case in (small, large):
        label = f"memory, {case['runs']} runs × {args.memory_steps} steps"
        rss = f"peak RSS {case['rss_mib']:.0f} MiB"
        traced = f"tracemalloc peak {case['tracemalloc_mib']:.1f} MiB"
        rows.append((label, f"{case['seconds']:.1f} s", rss, traced))
    growth = large["rss_mib"] / small["rss_mib"] - 1
    rows.append(("memory growth 10× runs", "", f"RSS {growth:+.1%}",
                 f"tracemalloc {large['tracemalloc_mib'] / small['tracemalloc_mib'] - 1:+.1%} "
                 "(target: none)"))  # fmt: skip
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
