"""alignsim benchmarks: prints a table of timings measured side by side in one run.

    python benchmarks/bench.py                  # everything (about ten minutes on 2 cores)
    python benchmarks/bench.py --quick          # fewer repeats and smaller scale cases

Sections (times are medians over ``--repeat`` runs after one warm-up run, measured with
``time.perf_counter``; start-up and file writing excluded; alignsim's times include the
recorder and the metrics):

1. the flagship, 200 steps: alignsim against the naive reference (``benchmarks/naive.py``),
   in both activation modes — target: alignsim ≥ 30× faster;
2. alignsim's whole run against the bare numpy kernel of the same rule
   (``benchmarks/kernel.py``), simultaneous activation — target: ≤ 2× the kernel;
3. scale: random scenarios of 50–500 states × 500 steps, each in a fresh subprocess that
   reports its wall and CPU time and peak RSS (``VmHWM``), with the fitted growth exponent
   (of wall time); and
   200 states × 1,000 steps — target: ≤ 10 s and < 1 GiB;
4. BLAS threads: two worker processes running a matrix-heavy case, BLAS pinned to one thread
   per process (as sweeps do) against the library default.

Sections 1–3 run with one BLAS thread per process, as ``alignsim run`` and sweep workers do.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from alignsim.model import simulate  # noqa: E402
from alignsim.scenario import load_scenario  # noqa: E402
from benchmarks import kernel, naive  # noqa: E402
from benchmarks.random_scenarios import random_scenario  # noqa: E402

FLAGSHIP = ROOT / "scenarios" / "pakistan_china_russia.yaml"


def median_time(fn, repeat: int) -> float:
    fn()  # warm-up: imports, caches
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def whole_run(scenario, steps: int, seed: int = 1, **options):
    result = simulate(scenario, seed=seed, steps=steps, **options)
    result.recorder.metrics  # noqa: B018 - metrics are computed on first read
    return result


def side_by_side(cases: dict, repeat: int) -> dict[str, float]:
    """Median times of several cases, their repeats interleaved so load drifts hit all."""
    for fn in cases.values():
        fn()
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(repeat):
        for name, fn in cases.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


# -- 1 and 2 -----------------------------------------------------------------------------------
def flagship_against_naive(repeat: int) -> list[tuple[str, ...]]:
    rows = []
    flagship = load_scenario(FLAGSHIP)
    for activation in ("random", "simultaneous"):
        scenario = flagship.model_copy(deep=True)
        scenario.params.activation = activation
        cases = {
            "alignsim": lambda s=scenario: whole_run(s, 200),
            "naive": lambda s=scenario: naive.run(s, seed=1, steps=200),
        }
        t = side_by_side(cases, repeat)
        rows.append((f"flagship 200 steps, {activation}: naive", ms(t["naive"]), "", ""))
        rows.append((f"flagship 200 steps, {activation}: alignsim", ms(t["alignsim"]),
                     f"{t['naive'] / t['alignsim']:.1f}× faster", "≥ 30×"))  # fmt: skip
    return rows


def against_kernel(repeat: int) -> list[tuple[str, ...]]:
    rows = []
    flagship = load_scenario(FLAGSHIP)
    flagship.params.activation = "simultaneous"
    cases = [("flagship", flagship, 200), ("200 states", random_scenario(1, 200, 5), 200)]
    for label, scenario, steps in cases:
        scenario = scenario.model_copy(deep=True)
        scenario.params.activation = "simultaneous"
        scenario.params.noise = 0.05
        ties, static, params = kernel.setup(scenario)
        t = side_by_side(
            {
                "kernel": lambda a=(ties, static, params), s=steps: kernel.run(*a, s, seed=1),
                "alignsim": lambda sc=scenario, s=steps: whole_run(sc, s),
            },
            repeat,
        )
        rows.append((f"{label}, {steps} steps, simultaneous: bare kernel", ms(t["kernel"]), "",
                     ""))  # fmt: skip
        rows.append((f"{label}, {steps} steps, simultaneous: alignsim", ms(t["alignsim"]),
                     f"{t['alignsim'] / t['kernel']:.2f}× the kernel", "≤ 2×"))  # fmt: skip
    return rows


# -- 3: scale, one subprocess per case ---------------------------------------------------------
def peak_rss_kib() -> int:
    """This process's peak RSS. ``VmHWM`` rather than ``getrusage``: Linux keeps ru_maxrss
    across execve, so a child started by a large parent would report the parent's peak."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child_scale(n: int, steps: int, activation: str) -> None:
    """In a fresh process: one run, then its time and this process's peak RSS as JSON.

    The compiled loops are loaded from their cache first (start-up, excluded like imports).
    """
    from alignsim.model.warmup import warm_up

    warm_up()
    scenario = random_scenario(1, n, 5, steps=steps, activation=activation, noise=0.05)
    before = peak_rss_kib()
    cpu = time.process_time()
    start = time.perf_counter()
    whole_run(scenario, steps)
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu
    print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_kib": peak_rss_kib(),
                      "start_kib": before}))  # fmt: skip


def scale_case(n: int, steps: int, activation: str = "simultaneous") -> dict:
    command = [sys.executable, __file__, "--child-scale", str(n), str(steps), activation]
    proc = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def scale(sizes: list[int], steps: int, target: tuple[int, int]) -> list[tuple[str, ...]]:
    rows, times = [], []
    for n in sizes:
        got = scale_case(n, steps)
        times.append(got["seconds"])
        rows.append((f"scale: {n} states × {steps} steps",
                     f"{got['seconds']:8.2f} s (CPU {got['cpu']:.2f} s)",
                     f"peak RSS {got['peak_kib'] / 2**10:.0f} MiB "
                     f"({got['start_kib'] / 2**10:.0f} MiB before the run)", ""))  # fmt: skip
    slope = np.polyfit(np.log(sizes), np.log(times), 1)[0]
    rows.append((f"scale: fitted growth, time ∝ N^k ({sizes[0]}–{sizes[-1]} states)",
                 f"k = {slope:.2f}", "", ""))  # fmt: skip
    n, long_steps = target
    for activation in ("simultaneous", "random"):
        got = scale_case(n, long_steps, activation)
        ok = got["seconds"] <= 10 and got["peak_kib"] < 2**20
        rows.append((f"scale: {n} states × {long_steps} steps, {activation}",
                     f"{got['seconds']:8.2f} s (CPU {got['cpu']:.2f} s)",
                     f"peak RSS {got['peak_kib'] / 2**10:.0f} MiB",
                     "≤ 10 s, < 1 GiB: " + ("met" if ok else "NOT met")))  # fmt: skip
    return rows


# -- 4: BLAS threads in two worker processes ---------------------------------------------------
def _pin(threads: int | None) -> None:
    if threads is not None:
        from threadpoolctl import threadpool_limits

        threadpool_limits(threads)


def _blas_task(n: int) -> float:
    scenario = random_scenario(2, n, 5, activation="simultaneous", noise=0.05)
    start = time.perf_counter()
    whole_run(scenario, 100)
    return time.perf_counter() - start


def threads(repeat: int, default: int, n: int = 300, tasks: int = 4) -> list[tuple[str, ...]]:
    walls: dict[str, list[float]] = {"pinned": [], "default": []}
    for _ in range(repeat):
        for label, limit in (("pinned", 1), ("default", None)):
            with ProcessPoolExecutor(2, mp_context=get_context("spawn"), initializer=_pin,
                                     initargs=(limit,)) as pool:  # fmt: skip
                list(pool.map(_pin, [limit, limit]))  # start both workers before the clock
                start = time.perf_counter()
                list(pool.map(_blas_task, [n] * tasks))
                walls[label].append(time.perf_counter() - start)
    pinned, unpinned = (statistics.median(walls[k]) for k in ("pinned", "default"))
    return [
        (f"threads: 2 workers × {tasks // 2} runs of {n} states, BLAS 1 thread each",
         f"{pinned:8.2f} s", "", ""),
        (f"threads: same, BLAS default ({default} threads each)", f"{unpinned:8.2f} s",
         f"{unpinned / pinned:.2f}× the pinned time", ""),
    ]  # fmt: skip


def ms(seconds: float) -> str:
    return f"{seconds * 1000:9.1f} ms"


def pin_blas() -> None:
    """One BLAS thread, as ``alignsim run`` and sweep workers use (section 4 shows why)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="3 repeats, smaller scale cases")
    parser.add_argument("--skip", nargs="*", default=[], choices=("naive", "kernel", "scale",
                        "threads"), help="sections to leave out")  # fmt: skip
    parser.add_argument("--child-scale", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    from threadpoolctl import threadpool_info

    default_threads = max((i["num_threads"] for i in threadpool_info()), default=1)
    pin_blas()
    if args.child_scale:
        n, steps, activation = args.child_scale
        child_scale(int(n), int(steps), activation)
        return
    repeat = 3 if args.quick else args.repeat
    sizes = [25, 50, 100] if args.quick else [50, 100, 200, 500]
    scale_steps = 100 if args.quick else 500
    target = (100, 200) if args.quick else (200, 1000)
    rows: list[tuple[str, ...]] = []
    if "naive" not in args.skip:
        rows += flagship_against_naive(repeat)
    if "kernel" not in args.skip:
        rows += against_kernel(repeat)
    if "scale" not in args.skip:
        rows += scale(sizes, scale_steps, target)
    if "threads" not in args.skip:
        rows += threads(max(1, repeat // 2), default_threads)
    print(f"alignsim benchmarks — Python {platform.python_version()}, numpy {np.__version__}, "
          f"{platform.machine()}, {os.cpu_count()} cores, median of {repeat}")  # fmt: skip
    header = ("case", "time", "result", "target")
    widths = [max(len(r[c]) for r in [header, *rows]) for c in range(4)]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


if __name__ == "__main__":
    main()
