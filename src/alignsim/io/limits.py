"""Will a run fit? Estimates of memory and disk for a run before it starts.

A run keeps its recorded tables in memory and writes them as CSV; both grow with
steps × pairs, so a long run of hundreds of states can need more than a machine has.
``check_run`` estimates both for the chosen recording, compares them with the memory
available (``MemAvailable`` in /proc/meminfo, else ``os.sysconf``) and the free space
where the run folder goes (``shutil.disk_usage``), and refuses with the numbers and the
recording option that would fit.

``ALIGNSIM_MEMORY_LIMIT`` and ``ALIGNSIM_DISK_LIMIT`` (bytes, or with a K/M/G/T suffix)
replace the measured amounts, e.g. to keep runs on a shared machine small.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from alignsim.model.recorder import recorded_rows

MEMORY_ENV = "ALIGNSIM_MEMORY_LIMIT"
DISK_ENV = "ALIGNSIM_DISK_LIMIT"
#: Interpreter, numpy, pandas, Mesa and Numba loaded, with the compiled loops, before any run
#: (286 MB measured).
BASE_MEMORY = 300 * 2**20
#: Characters of one formatted float in the CSV tables (repr of a double, with separator).
FLOAT_CHARS = 21
SUGGESTED_EVERY = (2, 5, 10, 20, 50, 100, 200, 500, 1000)


class LimitError(Exception):
    """The run would not fit in memory or on disk."""


@dataclass(frozen=True)
class Estimate:
    memory: int
    disk: int


def estimate(
    n: int,
    k: int,
    steps: int,
    *,
    every: int = 1,
    pairs: int | None = None,
    parts: int | None = None,
    name_chars: float = 10.0,
    date_chars: int = 7,
) -> Estimate:
    """Peak memory and run-folder size of a run, in bytes (an estimate, on the high side).

    Args:
        n, k: states and dimensions.
        steps: steps of the run.
        every: ``--record-every``.
        pairs: pairs whose ties are recorded (default: all n(n−1)/2).
        parts: payoff parts per pair (default: k + 5).
        name_chars: mean length of a state's name; date_chars: length of a date label.
    """
    rows = recorded_rows(steps, every)
    pairs = n * (n - 1) // 2 if pairs is None else pairs
    parts = k + 5 if parts is None else parts
    metrics = 20
    recorder = rows * (pairs * 9 + n * k * 16 + n * 12 + metrics * 8)
    # payoff parts, corridor factors, T, codes, the compiled step's buffers (~12 N×N), and
    # each pair's reference parts for explaining crossings (with their set-up: 3 sets)
    working = n * n * 8 * (5 * parts + k + 28)
    # writing: the ties table as a DataFrame (step, date, names, strength, level: 48 B a row)
    tables = rows * pairs * 48 + rows * n * (40 + (2 * k + 2) * 8)
    memory = BASE_MEMORY + recorder + working + tables
    tie_line = 6 + date_chars + 2 * (name_chars + 1) + FLOAT_CHARS + 10
    state_line = 8 + date_chars + name_chars + (2 * k + 1) * FLOAT_CHARS + 4
    disk = rows * (pairs * tie_line + n * state_line + metrics * FLOAT_CHARS)
    return Estimate(memory=int(memory), disk=int(disk))


def parse_size(text: str) -> int:
    """Bytes from ``"1500"``, ``"64M"``, ``"2G"`` (binary multiples)."""
    text = text.strip().upper().removesuffix("B").removesuffix("I")
    scale = 1
    if text and text[-1] in "KMGT":
        scale = 1024 ** ("KMGT".index(text[-1]) + 1)
        text = text[:-1]
    return int(float(text) * scale)


def available_memory() -> int:
    """Memory a new run may use: ``ALIGNSIM_MEMORY_LIMIT``, else what the system has free."""
    if os.environ.get(MEMORY_ENV):
        return parse_size(os.environ[MEMORY_ENV])
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")


def available_disk(destination: Path) -> int:
    """Free bytes where ``destination`` would be created: ``ALIGNSIM_DISK_LIMIT``, else the
    free space of its nearest existing ancestor (unbounded on a filesystem that reports no
    size, such as /proc: writing there fails on its own, with its own message)."""
    if os.environ.get(DISK_ENV):
        return parse_size(os.environ[DISK_ENV])
    path = Path(destination).absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    usage = shutil.disk_usage(path)
    return usage.free if usage.total else sys.maxsize


def size(amount: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if amount < 1024 or unit == "TiB":
            return f"{amount:.0f} {unit}" if unit == "B" else f"{amount:.1f} {unit}"
        amount /= 1024
    raise AssertionError  # pragma: no cover


def check_run(scenario, steps: int, destination: Path, *, every: int = 1,
              record: str = "all") -> Estimate:  # fmt: skip
    """Estimate the run; raise ``LimitError`` naming the numbers and an option that fits."""
    n, k = len(scenario.states), len(scenario.dimensions)
    names = list(scenario.states)
    watched = len(scenario.watched_ties())
    common = {
        "parts": k + 5,
        "name_chars": sum(map(len, names)) / max(n, 1),
        "date_chars": len(scenario.date_of(steps)),
    }

    def cost(every: int, record: str) -> Estimate:
        return estimate(n, k, steps, every=every,
                        pairs=watched if record == "watched" else None, **common)  # fmt: skip

    need = cost(every, record)
    memory, disk = available_memory(), available_disk(destination)
    if need.memory <= memory and need.disk <= disk:
        return need
    what = f"recording ties of {'watched pairs' if record == 'watched' else 'all pairs'}"
    what += " at every step" if every == 1 else f" every {every} steps"
    message = (
        f"{steps} steps of {n} states, {what}, would need about {size(need.memory)} of memory "
        f"and {size(need.disk)} of disk; {size(memory)} of memory and {size(disk)} of disk "
        f"(under {destination}) are available."
    )
    options = []
    for candidate in (c for c in SUGGESTED_EVERY if c > every and c < max(steps, 1)):
        fit = cost(candidate, record)
        if fit.memory <= memory and fit.disk <= disk:
            options.append(f"--record-every {candidate} would need about {size(fit.memory)} "
                           f"and {size(fit.disk)}")  # fmt: skip
            break
    if record == "all" and watched:
        fit = cost(every, "watched")
        if fit.memory <= memory and fit.disk <= disk:
            options.append(f"--record watched would need about {size(fit.memory)} "
                           f"and {size(fit.disk)}")  # fmt: skip
    if options:
        message += " " + "; ".join(options) + "."
    else:
        message += " No recording option makes it fit: use fewer --steps or fewer states."
    raise LimitError(message)
