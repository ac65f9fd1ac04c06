"""Sweep benchmarks on the flagship scenario, measured side by side in one run.

    .venv/bin/python benchmarks/bench_sweep.py                   # 2,000 and 10,000 runs; ~5 min
    .venv/bin/python benchmarks/bench_sweep.py --runs 200 --big 1000 --repeat 1  # a quick check

Measures, on the same tasks (10 values of ``params.balance_weight`` × replications, seeds
as a sweep gives them, 48 steps, the default outcomes):

- ``kernel``: the bare numpy loop of ``benchmarks/kernel.py`` (simultaneous relax, static
  parts summed once, balance, noise; no events, levels, blocs or recording), one process,
  as many runs: the floor any implementation pays;
- ``loop``: ``simulate`` called in a plain loop as a sweep's worker calls it (each point
  prepared once, the recording its outcomes need, the outcome columns);
- ``sweep, 1 worker``: :func:`alignsim.sweep.execute` with ``workers=1`` (in-process), so the
  difference to ``loop`` is the sweep machinery: batches, journal, Parquet chunks and the
  summary — target ≤ 10% overhead;
- ``sweep, 2 workers``: two local processes, started by the sweep;
- ``sweep, 1 worker / 2 workers, 10 runs``: the fixed costs (reading the sweep, the
  manifest, the summary; with two workers, also starting and stopping them) with ten
  runs; subtracted from the ``--runs`` times they give the throughput once running;
- ``alignsim sweep, --big runs``: the command as a user types it, ``--workers 2``, timed
  from the start of the process to its end (interpreter, imports, workers, runs, summary,
  figures) — target for 10,000 runs: ≤ 20 s, and ≥ 0.6× the kernel's runs per second;
- peak memory of the parent process for ``--runs`` and for 10 × ``--runs`` runs (each in a
  fresh subprocess, 2 workers, ``--memory-steps`` steps): peak RSS (``VmHWM``) and the
  tracemalloc peak — target: no growth with the number of runs.

``--scale`` measures only the large case instead: a random 200-state scenario
(``benchmarks/random_scenarios.py``, seed 7, a chance event, noise 0.05, random activation),
1,000 runs × 100 steps (10 balance weights × 100 replications, the default outcomes) with
``alignsim sweep --workers 2``: its wall time and the peak RSS of the largest worker.

Each case runs ``--repeat`` times, in a rotated order so that a machine's drifting speed
does not favour one case; the table shows medians and the ratios of those medians, with the
range of each repeat's own ratio. A 10-run sweep runs once before any timing, so that no
timed case pays for loading the compiled step or pyarrow. The sweeps timed through the
Python API (``alignsim.sweep.execute``) draw no figures; the command draws its figures.
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
from typing import Any

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


def sweep_tasks(sweep_path: Path) -> tuple[Any, list[Any]]:
    from alignsim.sweep import design_points, load_sweep
    from alignsim.sweep.tasks import iter_tasks, make_context

    sweep = load_sweep(sweep_path)
    design = design_points(sweep)
    context = make_context(sweep, design)
    return context, list(iter_tasks(sweep, design, context))


def time_loop(sweep_path: Path) -> tuple[float, int]:
    """``simulate`` in a loop over the sweep's tasks, as a worker runs them: seconds, runs."""
    from alignsim.model import PreparedScenario, simulate
    from alignsim.scenario import Scenario, apply_overrides
    from alignsim.sweep.outcomes import outcome_columns

    context, tasks = sweep_tasks(sweep_path)
    prepared = {}
    clock = time.perf_counter()
    for task in tasks:
        scenario = prepared.get(task.overrides)
        if scenario is None:
            document = apply_overrides(context.base_document, list(task.overrides))
            scenario = prepared[task.overrides] = PreparedScenario(
                Scenario.model_validate(document)
            )
        result = simulate(scenario, seed=task.seed, steps=context.steps, **context.recording)
        outcome_columns(result, context.outcomes)
    return time.perf_counter() - clock, len(tasks)


def time_kernel(sweep_path: Path) -> tuple[float, int]:
    """The bare kernel loop (``benchmarks/kernel.py``) over the sweep's seeds: seconds, runs."""
    from alignsim.scenario import load_scenario

    sys.path.insert(0, str(ROOT))
    from benchmarks import kernel

    context, tasks = sweep_tasks(sweep_path)
    ties, static, params = kernel.setup(load_scenario(FLAGSHIP))
    clock = time.perf_counter()
    for task in tasks:
        kernel.run(ties, static, params, context.steps, task.seed)
    return time.perf_counter() - clock, len(tasks)


def time_command(sweep_path: Path, out: Path, workers: int) -> tuple[float, int]:
    """``alignsim sweep`` in a process of its own, start to end: seconds and runs."""
    command = [sys.executable, "-m", "alignsim", "sweep", str(sweep_path), "--out", str(out),
               "--workers", str(workers)]  # fmt: skip
    clock = time.perf_counter()
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - clock
    runs = int(done.stdout.split(" runs in ")[0].split()[-1])
    return seconds, runs


def time_sweep(sweep_path: Path, out: Path, workers: int) -> tuple[float, int]:
    from alignsim.sweep import execute

    clock = time.perf_counter()
    done = execute(sweep_path, out, workers=workers, progress=False)
    seconds = time.perf_counter() - clock  # includes pool start-up and the summary
    assert done.failed == 0, f"{done.failed} runs failed"
    return seconds, done.ran


def scale_case(folder: Path, runs: int, steps: int, states: int) -> dict[str, float]:
    """``alignsim sweep --workers 2`` of a random world in a fresh process: wall time, runs,
    and the peak RSS of its largest worker (``RUSAGE_CHILDREN`` once the workers are gone)."""
    import yaml

    sys.path.insert(0, str(ROOT))
    from benchmarks.random_scenarios import random_document

    document = random_document(7, states, 4, steps=steps, noise=0.05, activation="random",
                               stochastic=True)  # fmt: skip
    scenario = folder / "world.yaml"
    scenario.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    sweep = folder / "scale.yaml"
    sweep.write_text(
        f"scenario: world.yaml\nsteps: {steps}\nreplications: {max(1, runs // POINTS)}\n"
        "seed: 1\ndesign: {method: grid}\n"
        f"parameters:\n  params.balance_weight: {{low: 0.1, high: 0.9, num: {POINTS}}}\n",
        encoding="utf-8",
    )
    driver = (
        "import json, resource, sys\n"
        "from alignsim.cli import main\n"
        f"code = main(['sweep', {str(sweep)!r}, '--out', {str(folder / 'out')!r}, "
        "'--workers', '2'])\n"
        "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
        "print(json.dumps({'code': code, 'worker_rss_mib': rss}))\n"
    )
    clock = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", driver], check=True, capture_output=True,
                          text=True)  # fmt: skip
    seconds = time.perf_counter() - clock
    lines = done.stdout.strip().splitlines()
    report = json.loads(lines[-1])
    assert report["code"] == 0, done.stderr
    ran = int(next(line for line in lines if " runs in " in line).split()[0])
    return {"seconds": seconds, "runs": ran, **report}


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
        done = execute(path, folder / "out", workers=2, progress=False)
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
    parser.add_argument("--runs", type=int, default=2000, help="runs per timed sweep (2000)")
    parser.add_argument(
        "--big", type=int, default=10000, help="runs of the timed alignsim sweep command (10000)"
    )
    parser.add_argument("--steps", type=int, default=48, help="steps per timed run (48)")
    parser.add_argument(
        "--memory-steps", type=int, default=6, help="steps per run in the memory cases (6)"
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="times each case runs; medians are shown (3)"
    )
    parser.add_argument(
        "--scale", action="store_true", help="only the 200-state case: 1,000 runs × 100 steps"
    )
    parser.add_argument("--memory-case", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.scale:
        with tempfile.TemporaryDirectory() as tmp:
            case = scale_case(Path(tmp), 1000, 100, 200)
        print(f"200 states, {case['runs']} runs × 100 steps, 2 workers: {case['seconds']:.0f} s "
              f"({case['runs'] / case['seconds']:.2f} runs/s); peak RSS of a worker "
              f"{case['worker_rss_mib']:.0f} MiB")  # fmt: skip
        return 0

    if args.memory_case is not None:
        print(json.dumps(memory_case(args.memory_case, args.memory_steps)))
        return 0

    print(f"alignsim sweep benchmark: flagship, {args.runs} runs × {args.steps} steps, "
          f"{args.repeat} repeats; Python {platform.python_version()}, {os.cpu_count()} cores",
          flush=True)  # fmt: skip
    if args.runs < 2 * POINTS:
        parser.error(f"--runs must be at least {2 * POINTS}")
    names = ("kernel", "loop", "one", "two", "start1", "start2", "big")
    times: dict[str, list[float]] = {name: [] for name in names}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = write_sweep(folder, args.runs, args.steps)
        tiny = write_sweep(folder, POINTS, args.steps, name="tiny.yaml")
        big = write_sweep(folder, args.big, args.steps, name="big.yaml")
        # loads the compiled step, pyarrow and the rest once, so that no timed case pays
        time_sweep(tiny, folder / "warm-up", 1)
        cases = {
            "kernel": lambda k: time_kernel(path),
            "loop": lambda k: time_loop(path),
            "one": lambda k: time_sweep(path, folder / f"w1-{k}", 1),
            "two": lambda k: time_sweep(path, folder / f"w2-{k}", 2),
            "start1": lambda k: time_sweep(tiny, folder / f"s1-{k}", 1),
            "start2": lambda k: time_sweep(tiny, folder / f"s2-{k}", 2),
            "big": lambda k: time_command(big, folder / f"big-{k}", 2),
        }
        counts: dict[str, set[int]] = {name: set() for name in cases}
        for k in range(args.repeat):
            names = list(cases)
            for name in names[k % len(names) :] + names[: k % len(names)]:  # spread drift
                seconds, ran = cases[name](k)
                times[name].append(seconds)
                counts[name].add(ran)
    (n,) = counts["kernel"] | counts["loop"] | counts["one"] | counts["two"]
    (n_big,) = counts["big"]
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
    kernel_rate = n / t["kernel"]
    big_each = [n_big / big / (n / kernel) for big, kernel in zip(times["big"], times["kernel"],
                                                                 strict=True)]  # fmt: skip
    rows = [
        ("kernel loop (numpy, 1 process)", f"{t['kernel']:.1f} s", f"{kernel_rate:.0f} runs/s",
         ""),
        ("simulate in a loop", f"{t['loop']:.1f} s", f"{n / t['loop']:.0f} runs/s",
         f"{n / t['loop'] / kernel_rate:.2f}× the kernel loop"),
        ("sweep, 1 worker", f"{t['one']:.1f} s", f"{n / t['one']:.0f} runs/s",
         f"overhead {ratio('one', 'loop', '+.1%', fn=lambda a, b: a / b - 1)} "
         "(target ≤ 10%)"),
        ("sweep, 2 workers", f"{t['two']:.1f} s", f"{n / t['two']:.0f} runs/s",
         f"speed-up {ratio('one', 'two', '.2f', '×')}"),
        (f"sweep, 1 worker, {few} runs", f"{t['start1']:.1f} s", "fixed costs and these runs",
         ""),
        (f"sweep, 2 workers, {few} runs", f"{t['start2']:.1f} s",
         "+ starting and stopping workers", ""),
        (f"once started, runs {few + 1}–{n}", "", f"{started[0]:.0f} → {started[1]:.0f} runs/s",
         f"2 workers {started[1] / started[0]:.2f}× 1 worker"
         + (f" (repeats {min(each):.2f}–{max(each):.2f}×)" if args.repeat > 1 else "")
         + " (target ≥ 1.8×)"),
        (f"alignsim sweep, {n_big} runs, 2 workers", f"{t['big']:.1f} s",
         f"{n_big / t['big']:.0f} runs/s",
         f"{n_big / t['big'] / kernel_rate:.2f}× the kernel loop"
         + (f" (repeats {min(big_each):.2f}–{max(big_each):.2f}×)" if args.repeat > 1 else "")
         + " (targets ≤ 20 s for 10,000 runs, ≥ 0.6×)"),
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
