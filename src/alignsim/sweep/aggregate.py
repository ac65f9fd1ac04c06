"""``DIR/summary.csv``: one row per design point, computed by streaming over the run chunks.

Columns: ``point``, the varied parameters, ``runs`` (stored runs of the point), ``failed``,
then per outcome column (finished runs only):

- numbers (``final_strength.A-B``, ``first_triangle_step.…``, ``blocs``, …): ``COL.mean``,
  ``COL.ci_low``, ``COL.ci_high`` — a 95% interval for the mean by the normal approximation,
  mean ± 1.96·sd/√n (sample sd; empty when n < 2). A step that may never come
  (``first_triangle_step``, ``first step when …``: −1 for never; the manifest's
  ``never_columns``) is averaged over the runs where it came, and ``P(COL=never)`` gives the
  share of runs where it did not;
- 0/1 outcomes (``triangle_formed.…``, ``triangle_alliance.…``): ``P(COL)`` and a 95%
  Wilson score interval ``P(COL).ci_low`` / ``P(COL).ci_high``;
- categories (``bloc_of.Pakistan``, ``final_level.A-B``): ``P(COL=VALUE)`` for every value
  seen in the sweep, e.g. ``P(bloc_of.Pakistan=China)``.

Chunks are read one at a time, only the columns needed, and folded into running counts,
means and sums of squares (Chan et al.'s pairwise update), so memory does not grow with the
number of runs.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from alignsim.analysis.intervals import Z95, wilson
from alignsim.analysis.sweep_columns import never_columns
from alignsim.sweep import storage
from alignsim.sweep.tasks import STATUS_FAILED


class _Moments:
    __slots__ = ("m2", "mean", "n")

    def __init__(self) -> None:
        self.n, self.mean, self.m2 = 0, 0.0, 0.0

    def merge(self, n: int, mean: float, m2: float) -> None:
        if n == 0:
            return
        total = self.n + n
        delta = mean - self.mean
        self.mean += delta * n / total
        self.m2 += m2 + delta * delta * self.n * n / total
        self.n = total

    def interval(self) -> tuple[float, float, float]:
        if self.n == 0:
            return math.nan, math.nan, math.nan
        if self.n < 2:
            return self.mean, math.nan, math.nan
        half = Z95 * math.sqrt(max(self.m2, 0.0) / (self.n - 1)) / math.sqrt(self.n)
        return self.mean, self.mean - half, self.mean + half


def summarize(out: str | Path) -> Any:
    """The per-point summary of a sweep folder as a DataFrame (see the module docstring)."""
    import pandas as pd

    out = Path(out)
    manifest = storage.read_manifest(out)
    parameters: list[str] = list(manifest["parameters"])
    kinds: dict[str, str] = dict(manifest["outcome_kinds"])
    numeric = [c for c, k in kinds.items() if k in ("int", "float")]
    never = set(never_columns(manifest))
    missed: dict[str, Counter[int]] = {c: Counter() for c in never}
    binary = [c for c, k in kinds.items() if k == "binary"]
    category = [c for c, k in kinds.items() if k == "category"]

    values: dict[int, dict[str, Any]] = {}
    runs: Counter[int] = Counter()
    failed: Counter[int] = Counter()
    moments: dict[str, dict[int, _Moments]] = {c: defaultdict(_Moments) for c in numeric}
    hits: dict[str, dict[int, list[int]]] = {c: defaultdict(lambda: [0, 0]) for c in binary}
    counts: dict[str, dict[int, Counter[str]]] = {c: defaultdict(Counter) for c in category}

    columns = ["point", "status", *parameters, *kinds]
    for frame in storage.iter_chunks(out, columns):
        for point, group in frame.groupby("point", sort=False):
            point = int(point)
            if point not in values:
                first = group.iloc[0]
                values[point] = {p: first[p] for p in parameters}
            runs[point] += len(group)
            bad = group["status"] == STATUS_FAILED
            failed[point] += int(bad.sum())
            ok = group[~bad]
            for c in numeric:
                x = ok[c].dropna().astype(float)
                if c in never:
                    missed[c][point] += int((x < 0).sum())
                    x = x[x >= 0]
                if len(x):
                    m = float(x.mean())
                    moments[c][point].merge(len(x), m, float(((x - m) ** 2).sum()))
            for c in binary:
                x = ok[c].dropna()
                hits[c][point][0] += int((x.astype(float) >= 0.5).sum())
                hits[c][point][1] += len(x)
            for c in category:
                counts[c][point].update(ok[c].dropna().astype(str))

    categories = {c: sorted({v for cnt in counts[c].values() for v in cnt}) for c in category}
    rows = []
    for point in sorted(values):
        row: dict[str, Any] = {"point": point, **values[point]}
        row.update(runs=runs[point], failed=failed[point])
        for c in kinds:
            if c in moments:
                mean, low, high = moments[c][point].interval()
                row.update({f"{c}.mean": mean, f"{c}.ci_low": low, f"{c}.ci_high": high})
                if c in never:
                    done = runs[point] - failed[point]
                    row[f"P({c}=never)"] = missed[c][point] / done if done else math.nan
            elif c in hits:
                p, low, high = wilson(*hits[c][point])
                row.update({f"P({c})": p, f"P({c}).ci_low": low, f"P({c}).ci_high": high})
            else:
                cnt = counts[c][point]
                n = sum(cnt.values())
                for v in categories[c]:
                    row[f"P({c}={v})"] = cnt[v] / n if n else math.nan
        rows.append(row)
    frame = pd.DataFrame(rows)
    if frame.empty:
        frame = pd.DataFrame(columns=["point", *parameters, "runs", "failed"])
    return frame


def write_summary(out: str | Path) -> Path:
    """Write ``DIR/summary.csv`` (atomically); its path."""
    out = Path(out)
    frame = summarize(out)
    path = out / storage.SUMMARY
    storage.write_atomic(path, frame.to_csv(index=False, float_format="%.6g").encode("utf-8"))
    return path
