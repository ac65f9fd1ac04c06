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
- ``sweep, 1 worker / 2 workers, 10 runs``: the fixed costs (reading the sweep, the
  manifest, the summary; with two workers, also starting and stopping them: each imports
  Mesa, pandas and Numba and loads the compiled step) with ten runs; subtracted from the
  500-run times they give the throughput once running, 1 worker against 2;
- peak memory of the parent process for ``--runs`` and for 10 × ``--runs`` runs (each in a
  fresh subprocess, 2 workers, ``--memory-steps`` steps so the large one finishes in
  reasonable time): peak RSS (``VmHWM`` from ``/proc/self/status``) and the tracemalloc
  peak — target: no growth with the number of runs.

Each case runs ``--repeat`` times, in a rotated order so that a machine's drifting speed
does not favour one case; the table shows medians and the ratios of those medians, with the
range of each repeat's own ratio. A 10-run sweep runs once before any timing, so that no
timed case pays for loading the compiled step or pyarrow. Figures are not drawn
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
    if args.runs < 2 * POINTS:
        parser.error(f"--runs must be at least {2 * POINTS}")
    times: dict[str, list[float]] = {"loop": [], "one": [], "two": [], "start1": [], "start2": []}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = write_sweep(folder, args.runs, args.steps)
        tiny = write_sweep(folder, POINTS, args.steps, name="tiny.yaml")
        # loads the compiled step, pyarrow and the rest once, so that no timed case pays
        time_sweep(tiny, folder / "warm-up", 1)
        cases = {
            "loop": lambda k: time_loop(path),
            "one": lambda k: time_sweep(path, folder / f"w1-{k}", 1),
            "two": lambda k: time_sweep(path, folder / f"w2-{k}", 2),
            "start1": lambda k: time_sweep(tiny, folder / f"s1-{k}", 1),
            "start2": lambda k: time_sweep(tiny, folder / f"s2-{k}", 2),
        }
        counts: dict[str, set[int]] = {name: set() for name in cases}
        for k in range(args.repeat):
            names = list(cases)
            for name in names[k % len(names) :] + names[: k % len(names)]:  # spread drift
                seconds, ran = cases[name](k)
                times[name].append(seconds)
                counts[name].add(ran)
    (n,) = counts["loop"] | counts["one"] | counts["two"]
    (few,) = counts["start1"] | counts["start2"]
    small = measure_memory(n, args.memory_steps)
    large = measure_memory(10 * n, args.memory_steps)

    t = {name: statistics.median(values) for name, values in times.items()}
    # the runs beyond the small sweep's, per second: throughput once the workers run
    started = (n - few) / (t["one"] - t["start1"]), (n - few) / (t["two"] - t["start2"])

    def ratio(top: str, bottom: str, form: str, unit: str = "", fn=lambda a, b: a / b) -> str:
        """The ratio of the medians, and the range of the repeats' own ratios."""
        middle = f"{fn(t[top], t[bottom]):{form}}{unit}"
        if args.repeat == 1:
            return middle
        each = [fn(a, b) for a, b in zip(times[top], times[bottom], strict=True)]
        return f"{middle} (repeats {min(each):{form}}–{max(each):{form}}{unit})"

    each = [(one - one_few) / (two - two_few) for one, one_few, two, two_few in zip(
        times["one"], times["start1"], times["two"], times["start2"], strict=True)]  # fmt: skip
    rows = [
        ("simulate in a loop", f"{t['loop']:.1f} s", f"{n / t['loop']:.2f} runs/s", ""),
        ("sweep, 1 worker", f"{t['one']:.1f} s", f"{n / t['one']:.2f} runs/s",
         f"overhead {ratio('one', 'loop', '+.1%', fn=lambda a, b: a / b - 1)} "
         "(target ≤ 10%)"),
        ("sweep, 2 workers", f"{t['two']:.1f} s", f"{n / t['two']:.2f} runs/s",
         f"speed-up {ratio('one', 'two', '.2f', '×')} (target ≥ 1.7×)"),
        (f"sweep, 1 worker, {few} runs", f"{t['start1']:.1f} s", "fixed costs and these runs",
         ""),
        (f"sweep, 2 workers, {few} runs", f"{t['start2']:.1f} s",
         "+ starting and stopping workers", ""),
        (f"once started, runs {few + 1}–{n}", "", f"{started[0]:.2f} → {started[1]:.2f} runs/s",
         f"2 workers {started[1] / started[0]:.2f}× 1 worker"
         + (f" (repeats {min(each):.2f}–{max(each):.2f}×)" if args.repeat > 1 else "")),
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
